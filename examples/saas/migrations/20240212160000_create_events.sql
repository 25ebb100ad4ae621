-- Event store. A stream is identified by (stream_type, stream_id): stream_id is
-- the id of an organization, a member, a message or an invoice, so it cannot
-- carry a foreign key (polymorphic on purpose). Streams outlive their subject:
-- the events of a deleted member are history, not garbage.
CREATE TABLE IF NOT EXISTS events (
    -- global order of the store: only the sequence assigns it
    id          bigint      GENERATED ALWAYS AS IDENTITY,
    org_id      uuid        NOT NULL,
    stream_type text        NOT NULL,
    stream_id   uuid        NOT NULL,
    version     integer     NOT NULL,
    event_type  text        NOT NULL,
    payload     jsonb       NOT NULL DEFAULT '{}',
    metadata    jsonb       NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_pkey PRIMARY KEY (id),
    CONSTRAINT events_org_id_fkey FOREIGN KEY (org_id)
        REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT events_stream_type_check
        CHECK (stream_type IN ('organization', 'member', 'message', 'invoice')),
    CONSTRAINT events_version_check CHECK (version > 0),
    -- optimistic concurrency: two writers cannot both append version N
    CONSTRAINT events_stream_version_key UNIQUE (stream_type, stream_id, version)
);

CREATE INDEX IF NOT EXISTS events_org_id_id_idx ON events (org_id, id);

CREATE TABLE organizations (id bigint PRIMARY KEY);
CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL, stream_id bigint);
CREATE TABLE slow_events (id bigint PRIMARY KEY, stream_id bigint);
CREATE TABLE write_events (id bigint PRIMARY KEY, stream_id bigint);
CREATE SEQUENCE write_events_seq;
CREATE TABLE naive_events (id bigint PRIMARY KEY, stream_id bigint);

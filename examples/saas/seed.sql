-- Seed data for examples/saas: four customer organizations plus our own
-- ("hq", whose support members may impersonate customers), inserted in
-- foreign-key order. Fixed ids keep the data readable and the checks stable.

INSERT INTO organizations (id, name, slug, plan, created_at) VALUES
    ('00000000-0000-4000-8000-000000000001', 'pg-invariants HQ', 'hq',      'enterprise', '2024-01-02 09:00:00+00'),
    ('00000000-0000-4000-8000-000000000002', 'Acme Corporation', 'acme',    'enterprise', '2024-01-10 10:00:00+00'),
    ('00000000-0000-4000-8000-000000000003', 'Globex',           'globex',  'team',       '2024-02-14 11:30:00+00'),
    ('00000000-0000-4000-8000-000000000004', 'Initech',          'initech', 'free',       '2024-03-01 08:15:00+00'),
    -- churns at the end of this file
    ('00000000-0000-4000-8000-000000000005', 'Umbrella Corp',    'umbrella','team',       '2024-03-20 16:45:00+00');

INSERT INTO members (id, org_id, email, display_name, role, created_at) VALUES
    -- hq
    ('10000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000001', 'ops@pg-invariants.dev',     'Ops',            'owner',   '2024-01-02 09:00:00+00'),
    ('10000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000001', 'sam.support@pg-invariants.dev', 'Sam (support)', 'support', '2024-01-03 09:00:00+00'),
    -- acme
    ('10000000-0000-4000-8000-000000000011', '00000000-0000-4000-8000-000000000002', 'wile.e@acme.test',          'Wile E. Coyote', 'owner',   '2024-01-10 10:00:00+00'),
    ('10000000-0000-4000-8000-000000000012', '00000000-0000-4000-8000-000000000002', 'road.runner@acme.test',     'Road Runner',    'member',  '2024-01-11 10:00:00+00'),
    ('10000000-0000-4000-8000-000000000013', '00000000-0000-4000-8000-000000000002', 'it@acme.test',              NULL,             'admin',   '2024-02-01 10:00:00+00'),
    -- globex
    ('10000000-0000-4000-8000-000000000021', '00000000-0000-4000-8000-000000000003', 'hank@globex.test',          'Hank Scorpio',   'owner',   '2024-02-14 11:30:00+00'),
    ('10000000-0000-4000-8000-000000000022', '00000000-0000-4000-8000-000000000003', 'homer@globex.test',         'Homer',          'member',  '2024-02-15 11:30:00+00'),
    -- initech
    ('10000000-0000-4000-8000-000000000031', '00000000-0000-4000-8000-000000000004', 'bill@initech.test',         'Bill Lumbergh',  'owner',   '2024-03-01 08:15:00+00'),
    ('10000000-0000-4000-8000-000000000032', '00000000-0000-4000-8000-000000000004', 'milton@initech.test',       'Milton',         'member',  '2024-03-02 08:15:00+00'),
    -- umbrella
    ('10000000-0000-4000-8000-000000000041', '00000000-0000-4000-8000-000000000005', 'albert@umbrella.test',      'Albert Wesker',  'owner',   '2024-03-20 16:45:00+00');

-- messages across monthly partitions (2024-03, 2024-05, 2024-06, 2024-07,
-- 2024-09) and the default partition (2025-01: no partition for that month)
INSERT INTO messages (id, org_id, author_member_id, body, edited_at, created_at) VALUES
    ('20000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000011', 'Order of rocket skates confirmed.', NULL, '2024-03-05 09:00:00+00'),
    ('20000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000012', 'Meep meep.', '2024-05-02 12:05:00+00', '2024-05-02 12:00:00+00'),
    ('20000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000011', 'The anvil arrived dented.', NULL, '2024-06-18 15:30:00+00'),
    ('20000000-0000-4000-8000-000000000004', '00000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000021', 'Quarterly doomsday device review at 10.', NULL, '2024-06-30 23:59:59+00'),
    ('20000000-0000-4000-8000-000000000005', '00000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000022', 'Mmm, donuts in the break room.', NULL, '2024-07-01 00:00:00+00'),
    ('20000000-0000-4000-8000-000000000006', '00000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000031', 'Yeah, about those TPS reports...', NULL, '2024-07-12 09:00:00+00'),
    ('20000000-0000-4000-8000-000000000007', '00000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000032', 'Has anyone seen my stapler?', NULL, '2024-09-03 14:00:00+00'),
    -- author unknown: posted by an integration
    ('20000000-0000-4000-8000-000000000008', '00000000-0000-4000-8000-000000000004', NULL, 'Build #4521 passed.', NULL, '2025-01-15 08:00:00+00'),
    ('20000000-0000-4000-8000-000000000009', '00000000-0000-4000-8000-000000000005', '10000000-0000-4000-8000-000000000041', 'Project status: classified.', NULL, '2024-05-20 10:00:00+00');

-- api_logs: member_id is NULL for calls made with an organization API key
INSERT INTO api_logs (org_id, member_id, request_id, method, path, status_code, duration_ms, created_at) VALUES
    ('00000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000011', '30000000-0000-4000-8000-000000000001', 'GET',    '/v1/messages',          200,  42, '2024-06-18 15:31:00+00'),
    ('00000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000012', '30000000-0000-4000-8000-000000000002', 'POST',   '/v1/messages',          201,  87, '2024-05-02 12:00:00+00'),
    ('00000000-0000-4000-8000-000000000002', NULL,                                   '30000000-0000-4000-8000-000000000003', 'GET',    '/v1/events?since=0',    200, 310, '2024-06-20 03:00:00+00'),
    ('00000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000021', '30000000-0000-4000-8000-000000000004', 'DELETE', '/v1/members/homer',     403,  12, '2024-07-02 08:00:00+00'),
    ('00000000-0000-4000-8000-000000000004', NULL,                                   '30000000-0000-4000-8000-000000000005', 'POST',   '/v1/messages',          201,  55, '2025-01-15 08:00:00+00'),
    ('00000000-0000-4000-8000-000000000005', '10000000-0000-4000-8000-000000000041', '30000000-0000-4000-8000-000000000006', 'GET',    '/v1/messages',          200,  30, '2024-05-20 10:01:00+00');

-- support (hq) acting as customers' members
INSERT INTO impersonation_sessions (id, org_id, admin_member_id, target_member_id, reason, started_at, expires_at, ended_at, created_at) VALUES
    ('40000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000012',
     'Ticket #1042: messages not loading', '2024-06-19 09:00:00+00', '2024-06-19 10:00:00+00', '2024-06-19 09:20:00+00', '2024-06-19 09:00:00+00'),
    ('40000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000032',
     'Ticket #1077: cannot find stapler channel', '2024-09-03 15:00:00+00', '2024-09-03 17:00:00+00', NULL, '2024-09-03 15:00:00+00'),
    ('40000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000005', '10000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000041',
     'Ticket #1101: export before account closure', '2024-05-21 10:00:00+00', '2024-05-21 11:00:00+00', '2024-05-21 10:30:00+00', '2024-05-21 10:00:00+00');

-- Acme lets Globex (their agency) read their messages; Globex lets Initech read its events
INSERT INTO cross_tenant_grants (id, grantor_org_id, grantee_org_id, scope, granted_by_member_id, expires_at, revoked_at, created_at) VALUES
    ('50000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003', 'messages:read', '10000000-0000-4000-8000-000000000011', '2025-12-31 23:59:59+00', NULL, '2024-04-01 09:00:00+00'),
    ('50000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000004', 'events:read',   '10000000-0000-4000-8000-000000000021', NULL, '2024-08-01 00:00:00+00', '2024-07-01 09:00:00+00'),
    ('50000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000005', '00000000-0000-4000-8000-000000000002', 'api_logs:read', '10000000-0000-4000-8000-000000000041', NULL, NULL, '2024-05-01 09:00:00+00');

-- Event store. stream_id points at an organization or a member depending on
-- stream_type, with no foreign key; the orphans check of invariants/events.toml
-- proves the 'organization' streams all point at existing organizations.
INSERT INTO events (org_id, stream_type, stream_id, version, event_type, payload, created_at) VALUES
    ('00000000-0000-4000-8000-000000000002', 'organization', '00000000-0000-4000-8000-000000000002', 1, 'organization.created', '{"plan": "team"}',       '2024-01-10 10:00:00+00'),
    ('00000000-0000-4000-8000-000000000002', 'organization', '00000000-0000-4000-8000-000000000002', 2, 'organization.plan_changed', '{"from": "team", "to": "enterprise"}', '2024-04-01 10:00:00+00'),
    ('00000000-0000-4000-8000-000000000002', 'member',       '10000000-0000-4000-8000-000000000011', 1, 'member.joined',        '{"role": "owner"}',      '2024-01-10 10:00:00+00'),
    ('00000000-0000-4000-8000-000000000002', 'member',       '10000000-0000-4000-8000-000000000012', 1, 'member.joined',        '{"role": "member"}',     '2024-01-11 10:00:00+00'),
    ('00000000-0000-4000-8000-000000000003', 'organization', '00000000-0000-4000-8000-000000000003', 1, 'organization.created', '{"plan": "team"}',       '2024-02-14 11:30:00+00'),
    ('00000000-0000-4000-8000-000000000003', 'member',       '10000000-0000-4000-8000-000000000022', 1, 'member.joined',        '{"role": "member"}',     '2024-02-15 11:30:00+00'),
    ('00000000-0000-4000-8000-000000000004', 'organization', '00000000-0000-4000-8000-000000000004', 1, 'organization.created', '{"plan": "free"}',       '2024-03-01 08:15:00+00'),
    ('00000000-0000-4000-8000-000000000004', 'message',      '20000000-0000-4000-8000-000000000007', 1, 'message.posted',       '{}',                     '2024-09-03 14:00:00+00'),
    ('00000000-0000-4000-8000-000000000005', 'organization', '00000000-0000-4000-8000-000000000005', 1, 'organization.created', '{"plan": "team"}',       '2024-03-20 16:45:00+00'),
    ('00000000-0000-4000-8000-000000000001', 'organization', '00000000-0000-4000-8000-000000000001', 1, 'organization.created', '{"plan": "enterprise"}', '2024-01-02 09:00:00+00');

INSERT INTO invoices (org_id, billing_name, billing_email, currency, amount_cents, issued_at, created_at) VALUES
    ('00000000-0000-4000-8000-000000000002', 'Acme Corporation', 'billing@acme.test',     'USD', 129900, '2024-05-01 00:00:00+00', '2024-05-01 00:00:00+00'),
    ('00000000-0000-4000-8000-000000000002', 'Acme Corporation', 'billing@acme.test',     'USD', 129900, '2024-06-01 00:00:00+00', '2024-06-01 00:00:00+00'),
    ('00000000-0000-4000-8000-000000000003', 'Globex',           'accounts@globex.test',  'EUR',  49000, '2024-06-01 00:00:00+00', '2024-06-01 00:00:00+00'),
    ('00000000-0000-4000-8000-000000000005', 'Umbrella Corp',    'finance@umbrella.test', 'EUR',  49000, '2024-05-01 00:00:00+00', '2024-05-01 00:00:00+00');

-- Umbrella closes its account. One DELETE exercises every action of the
-- schema: members, messages (in their partitions), api_logs, impersonation
-- sessions, grants and events of the organization are deleted (CASCADE); the
-- impersonation session's admin is an hq member and stays (NO ACTION is
-- satisfied because the session goes in the same statement); Umbrella's
-- invoice stays, with org_id set to NULL (SET NULL).
DELETE FROM organizations WHERE id = '00000000-0000-4000-8000-000000000005';

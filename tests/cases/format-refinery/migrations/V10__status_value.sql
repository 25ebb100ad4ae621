-- refinery:noTransaction
-- n = 10 runs after 2 (by name, "V10__" would sort before "V1__c", before organizations exists).
-- refinery sends a noTransaction file as one message, so the new value is used in V11, after
-- this one commits.
ALTER TYPE org_status ADD VALUE 'archived';

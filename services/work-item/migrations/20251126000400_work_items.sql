-- Work items: the support team's record of a conversation that reached it.
-- Portable SQL (SQLite and PostgreSQL through sqlx::Any): only TEXT and
-- BIGINT columns; times are epoch milliseconds, statuses their wire names,
-- the attached transcript a JSON array of message objects.
--
-- This service may share its database with others (the default SQLite file),
-- so its tables and this migration version are its own.

CREATE TABLE work_items (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    space TEXT NOT NULL,
    conversation TEXT NOT NULL,
    status TEXT NOT NULL,
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    reporter_key TEXT,
    reporter_name TEXT,
    reporter_email TEXT,
    reporter_signed_in BIGINT NOT NULL,
    assignee TEXT,
    assignee_name TEXT,
    -- NULL until the conversation ends.
    transcript TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- One item per conversation, however often it is handed to the team and
    -- however often the event that creates it is delivered.
    UNIQUE (tenant, conversation)
);

CREATE INDEX work_items_tenant_created ON work_items (tenant, created_at);

-- Every status change, with who made it: the record behind
-- WorkItemUpdate.by.
CREATE TABLE work_item_changes (
    work_item TEXT NOT NULL,
    tenant TEXT NOT NULL,
    at BIGINT NOT NULL,
    by_agent TEXT,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL
);

CREATE INDEX work_item_changes_item ON work_item_changes (work_item, at);

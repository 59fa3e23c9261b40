-- Conversations and their messages. Portable SQL: it runs unchanged on SQLite
-- and PostgreSQL through sqlx::Any, so only TEXT and BIGINT columns (booleans
-- are 0/1, times are epoch milliseconds, enums are their snake_case wire names).

CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    experience TEXT,
    widget TEXT,
    customer_key TEXT,
    customer_name TEXT,
    customer_email TEXT,
    customer_signed_in BIGINT,
    state TEXT NOT NULL,
    end_reason TEXT,
    support_mode TEXT,
    ai_agent TEXT,
    routed_space TEXT,
    assignee TEXT,
    -- The seq of the newest message; bumped in the same transaction as the
    -- message insert, which makes seq gap-free and unique per conversation.
    last_seq BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- Which command ended the conversation and from which state, so a
    -- redelivered end command republishes the identical event.
    end_command TEXT,
    ended_from TEXT
);

CREATE INDEX conversations_tenant ON conversations (tenant);

CREATE TABLE messages (
    conversation TEXT NOT NULL,
    seq BIGINT NOT NULL,
    id TEXT NOT NULL,
    tenant TEXT NOT NULL,
    role TEXT NOT NULL,
    author_id TEXT,
    author_name TEXT,
    text TEXT NOT NULL,
    at BIGINT NOT NULL,
    -- The sender's idempotency key; NULL (never equal to another NULL) for
    -- messages without one.
    client_id TEXT,
    -- The command that posted a message without a client id (a system
    -- notice), so its redelivery is recognised too; NULL otherwise.
    command_id TEXT,
    PRIMARY KEY (conversation, seq),
    UNIQUE (conversation, client_id),
    UNIQUE (conversation, command_id)
);

CREATE UNIQUE INDEX messages_id ON messages (id);

-- Live chat: handoff, assignment, notices and inactivity. Portable SQL like
-- the first migration: one ALTER per column (SQLite adds one at a time),
-- only TEXT and BIGINT.

-- A handoff waits for the anonymous customer to sign in (0/1).
ALTER TABLE conversations ADD COLUMN handoff_pending BIGINT;
-- The newest message from the customer, the AI or an agent (epoch ms).
ALTER TABLE conversations ADD COLUMN last_activity BIGINT;
-- When the conversation last entered `ai` or `live`: the inactivity clock
-- counts from the later of this and last_activity.
ALTER TABLE conversations ADD COLUMN active_since BIGINT;
-- The inactivity base a warning was sent for, so it is sent once.
ALTER TABLE conversations ADD COLUMN inactivity_warned_at BIGINT;
ALTER TABLE conversations ADD COLUMN summary TEXT;
ALTER TABLE conversations ADD COLUMN handoff_reason TEXT;
ALTER TABLE conversations ADD COLUMN assignee_name TEXT;
-- State changes after the opening one; numbers their event ids, so a second
-- handoff after a return to the AI is a new event, not a duplicate.
ALTER TABLE conversations ADD COLUMN transitions BIGINT;

-- "fallback", "agent_joined", "sign_in_required" ... on system messages.
ALTER TABLE messages ADD COLUMN notice TEXT;

-- What each state-changing command published, written in the transaction
-- that applied it: a redelivered command republishes exactly these events
-- (same ids, same bytes), however the conversation moved on since. `events`
-- is one line per event, `{msg_id} {hex of ConversationEvent}`; empty when
-- the command changed nothing.
CREATE TABLE command_outcomes (
    conversation TEXT NOT NULL,
    command_id TEXT NOT NULL,
    events TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (conversation, command_id)
);

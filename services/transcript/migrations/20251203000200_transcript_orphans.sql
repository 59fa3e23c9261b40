-- Deleting configuration ends the open conversations that depend on it
-- (SPEC §10). The transcript service finds them by tenant and the id they
-- refer to, among open conversations only: partial indexes (SQLite and
-- PostgreSQL both have them) that hold just the conversations not yet
-- ended, so they stay small however long the history grows, and an ended
-- conversation leaves them for good. A query uses one when it repeats the
-- predicate `state <> 'ended'` word for word. The trailing `state` lets a
-- query check which open states it wants inside the index; `id` orders the
-- pages of a sweep.
CREATE INDEX conversations_open_experience ON conversations (tenant, experience, id, state)
    WHERE state <> 'ended';
CREATE INDEX conversations_open_widget ON conversations (tenant, widget, id, state)
    WHERE state <> 'ended';
CREATE INDEX conversations_open_ai_agent ON conversations (tenant, ai_agent, id, state)
    WHERE state <> 'ended';
CREATE INDEX conversations_open_space ON conversations (tenant, routed_space, id, state)
    WHERE state <> 'ended';
CREATE INDEX conversations_open_assignee ON conversations (tenant, assignee, id, state)
    WHERE state <> 'ended';

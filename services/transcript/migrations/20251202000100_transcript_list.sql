-- The admin conversation list pages a tenant's conversations newest first by
-- (created_at, id); this index serves both the order and the keyset bound.
CREATE INDEX conversations_tenant_created ON conversations (tenant, created_at, id);

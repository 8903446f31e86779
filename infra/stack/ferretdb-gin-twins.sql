-- Installed by the local stack (infra/stack/postgres.ts) into the database FerretDB stores its data in.
--
-- Why: FerretDB v1 on PostgreSQL turns every filtered read into `WHERE _jsonb -> $1 @> $2` (jsonb containment),
-- and builds each MongoDB index as a btree on `(_jsonb -> 'field')`, which cannot answer `@>`: every filtered
-- read scanned its whole collection. For each such btree index this adds a GIN "twin" on the same expressions,
-- which can (once the planner sees the field name, not `$1`: the server runs with
-- plan_cache_mode = force_custom_plan). FerretDB never sees the twins: it lists indexes from its own metadata.
-- Idempotent: a persisted dev database gets it again at every start.

SET client_min_messages = warning;

CREATE OR REPLACE FUNCTION public.hoist_add_gin_twin(btree oid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  source record;
  columns text;
BEGIN
  SELECT n.nspname AS schema_name, t.relname AS table_name, i.indnatts AS column_count
    INTO source
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_am am ON am.oid = c.relam
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
   WHERE i.indexrelid = btree AND am.amname = 'btree' AND c.relname NOT LIKE 'hoist_gin_%';
  IF NOT FOUND THEN
    RETURN;
  END IF;
  -- Only indexes made of FerretDB's document expressions, e.g. `(_jsonb -> '_id'::text)`.
  IF EXISTS (
    SELECT 1 FROM generate_series(1, source.column_count) k
     WHERE pg_get_indexdef(btree, k, true) NOT LIKE '(_jsonb -> %'
  ) THEN
    RETURN;
  END IF;
  SELECT string_agg('(' || pg_get_indexdef(btree, k, true) || ')', ', ' ORDER BY k)
    INTO columns
    FROM generate_series(1, source.column_count) k;
  -- Named after the btree's oid, so that dropping the btree can drop its twin (hoist_drop_gin_twins).
  -- fastupdate off: with it, new entries wait in a pending list that every search reads through (until a vacuum
  -- merges them), so a read after inserting 50,000 documents would scan 50,000 entries again.
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I.%I USING gin (%s) WITH (fastupdate = off)',
    'hoist_gin_' || btree, source.schema_name, source.table_name, columns);
END
$$;

CREATE OR REPLACE FUNCTION public.hoist_gin_twins_on_create() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  command record;
  btree oid;
BEGIN
  FOR command IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
    IF command.object_type = 'index' THEN
      PERFORM public.hoist_add_gin_twin(command.objid);
    ELSIF command.object_type = 'table' THEN
      -- A table created with its constraints' indexes (a primary key on `_id`, say).
      FOR btree IN SELECT indexrelid FROM pg_index WHERE indrelid = command.objid LOOP
        PERFORM public.hoist_add_gin_twin(btree);
      END LOOP;
    END IF;
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION public.hoist_drop_gin_twins() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  dropped record;
BEGIN
  FOR dropped IN SELECT * FROM pg_event_trigger_dropped_objects()
    WHERE object_type = 'index' AND object_name NOT LIKE 'hoist_gin_%'
  LOOP
    EXECUTE format('DROP INDEX IF EXISTS %I.%I', dropped.schema_name, 'hoist_gin_' || dropped.objid);
  END LOOP;
END
$$;

DROP EVENT TRIGGER IF EXISTS hoist_gin_twins_on_create;
CREATE EVENT TRIGGER hoist_gin_twins_on_create ON ddl_command_end
  WHEN TAG IN ('CREATE INDEX', 'CREATE TABLE')
  EXECUTE FUNCTION public.hoist_gin_twins_on_create();

DROP EVENT TRIGGER IF EXISTS hoist_drop_gin_twins;
CREATE EVENT TRIGGER hoist_drop_gin_twins ON sql_drop
  WHEN TAG IN ('DROP INDEX')
  EXECUTE FUNCTION public.hoist_drop_gin_twins();

-- Indexes made before the triggers existed (a dev database from an earlier version of the stack).
DO $$
BEGIN
  PERFORM public.hoist_add_gin_twin(indexrelid) FROM pg_index;
END
$$;

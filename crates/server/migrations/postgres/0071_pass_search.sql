-- Pass search (`q[search]`): one row of searchable text per pass (serial number, redeem
-- code, every field value and every string in user_info and metadata, one per line),
-- written by a trigger on `passes`, so every write path (create, update, campaign merge,
-- batch, import) keeps it current without knowing about it. Searches match with ILIKE;
-- a pg_trgm GIN index makes words of three or more characters index lookups. pg_trgm is
-- an extension: where this server may not create it, search still works (scanning the
-- candidate rows) and the index can be added later by an administrator:
--   CREATE EXTENSION pg_trgm;
--   CREATE INDEX pass_search_trgm ON pass_search USING gin (body gin_trgm_ops);
CREATE TABLE pass_search (
    pass_id TEXT PRIMARY KEY REFERENCES passes(id) ON DELETE CASCADE,
    body TEXT NOT NULL
);

CREATE FUNCTION pass_search_body(serial TEXT, code TEXT, doc TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
    WITH d AS (SELECT doc::jsonb AS j)
    SELECT concat_ws(E'\n', serial, code, (
        SELECT string_agg(v #>> '{}', E'\n')
        FROM d, unnest(ARRAY[
                'strict $.header_fields[*].value',
                'strict $.primary_fields[*].value',
                'strict $.secondary_fields[*].value',
                'strict $.auxiliary_fields[*].value',
                'strict $.back_fields[*].value',
                'strict $.user_info.**',
                'strict $.metadata.**'
            ]::jsonpath[]) AS p(path),
            LATERAL jsonb_path_query(d.j, p.path, '{}', true) AS x(v)
        WHERE jsonb_typeof(x.v) = 'string'))
$$;

CREATE FUNCTION passes_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pass_search (pass_id, body)
        VALUES (NEW.id, pass_search_body(NEW.serial_number, NEW.redeem_code, NEW.doc))
        ON CONFLICT (pass_id) DO UPDATE SET body = EXCLUDED.body;
    RETURN NULL;
END $$;
CREATE TRIGGER passes_search_sync AFTER INSERT OR UPDATE OF doc, serial_number, redeem_code
    ON passes FOR EACH ROW EXECUTE FUNCTION passes_search_sync();

INSERT INTO pass_search (pass_id, body)
    SELECT id, pass_search_body(serial_number, redeem_code, doc) FROM passes;

DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available (%): pass search works without its index', SQLERRM;
END $$;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX pass_search_trgm ON pass_search USING gin (body gin_trgm_ops)';
    END IF;
END $$;

-- Pass search (`q[search]`): one row of searchable text per pass (serial number, redeem
-- code, every field value and every string in user_info and metadata, one per line),
-- written by triggers on `passes`, so every write path (create, update, campaign merge,
-- batch, import) keeps it current without knowing about it. The text is indexed by an
-- FTS5 table with the trigram tokenizer: a word of three or more characters is found
-- anywhere inside a value, case-insensitively, from the index. `pass_search` has an
-- INTEGER PRIMARY KEY because FTS5 external content is keyed by a rowid that VACUUM
-- must not renumber.
CREATE TABLE pass_search (
    n INTEGER PRIMARY KEY,
    pass_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
CREATE VIRTUAL TABLE pass_search_fts USING fts5(
    body, content = 'pass_search', content_rowid = 'n', tokenize = 'trigram'
);

CREATE TRIGGER pass_search_fts_insert AFTER INSERT ON pass_search BEGIN
    INSERT INTO pass_search_fts (rowid, body) VALUES (new.n, new.body);
END;
CREATE TRIGGER pass_search_fts_delete AFTER DELETE ON pass_search BEGIN
    INSERT INTO pass_search_fts (pass_search_fts, rowid, body) VALUES ('delete', old.n, old.body);
END;
CREATE TRIGGER pass_search_fts_update AFTER UPDATE OF body ON pass_search BEGIN
    INSERT INTO pass_search_fts (pass_search_fts, rowid, body) VALUES ('delete', old.n, old.body);
    INSERT INTO pass_search_fts (rowid, body) VALUES (new.n, new.body);
END;

CREATE TRIGGER passes_search_insert AFTER INSERT ON passes BEGIN
    INSERT INTO pass_search (pass_id, body) VALUES (new.id, new.serial_number || char(10) || new.redeem_code || coalesce((
        SELECT char(10) || group_concat(v, char(10)) FROM (
            SELECT json_extract(f.value, '$.value') AS v FROM json_each(new.doc, '$.header_fields') AS f
            UNION ALL SELECT json_extract(f.value, '$.value') AS v FROM json_each(new.doc, '$.primary_fields') AS f
            UNION ALL SELECT json_extract(f.value, '$.value') AS v FROM json_each(new.doc, '$.secondary_fields') AS f
            UNION ALL SELECT json_extract(f.value, '$.value') AS v FROM json_each(new.doc, '$.auxiliary_fields') AS f
            UNION ALL SELECT json_extract(f.value, '$.value') AS v FROM json_each(new.doc, '$.back_fields') AS f
            UNION ALL SELECT t.value AS v FROM json_tree(new.doc, '$.user_info') AS t WHERE t.type = 'text'
            UNION ALL SELECT t.value AS v FROM json_tree(new.doc, '$.metadata') AS t WHERE t.type = 'text'
        ) WHERE typeof(v) = 'text'), ''));
END;
CREATE TRIGGER passes_search_update AFTER UPDATE OF doc, serial_number, redeem_code ON passes BEGIN
    UPDATE pass_search SET body = new.serial_number || char(10) || new.redeem_code || coalesce((
        SELECT char(10) || group_concat(v, char(10)) FROM (
            SELECT json_extract(f.value, '$.value') AS v FROM json_each(new.doc, '$.header_fields') AS f
            UNION ALL SELECT json_extract(f.value, '$.value') AS v FROM json_each(new.doc, '$.primary_fields') AS f
            UNION ALL SELECT json_extract(f.value, '$.value') AS v FROM json_each(new.doc, '$.secondary_fields') AS f
            UNION ALL SELECT json_extract(f.value, '$.value') AS v FROM json_each(new.doc, '$.auxiliary_fields') AS f
            UNION ALL SELECT json_extract(f.value, '$.value') AS v FROM json_each(new.doc, '$.back_fields') AS f
            UNION ALL SELECT t.value AS v FROM json_tree(new.doc, '$.user_info') AS t WHERE t.type = 'text'
            UNION ALL SELECT t.value AS v FROM json_tree(new.doc, '$.metadata') AS t WHERE t.type = 'text'
        ) WHERE typeof(v) = 'text'), '')
    WHERE pass_id = new.id;
END;
CREATE TRIGGER passes_search_delete AFTER DELETE ON passes BEGIN
    DELETE FROM pass_search WHERE pass_id = old.id;
END;

INSERT INTO pass_search (pass_id, body)
SELECT p.id, p.serial_number || char(10) || p.redeem_code || coalesce((
        SELECT char(10) || group_concat(v, char(10)) FROM (
            SELECT json_extract(f.value, '$.value') AS v FROM json_each(p.doc, '$.header_fields') AS f
            UNION ALL SELECT json_extract(f.value, '$.value') AS v FROM json_each(p.doc, '$.primary_fields') AS f
            UNION ALL SELECT json_extract(f.value, '$.value') AS v FROM json_each(p.doc, '$.secondary_fields') AS f
            UNION ALL SELECT json_extract(f.value, '$.value') AS v FROM json_each(p.doc, '$.auxiliary_fields') AS f
            UNION ALL SELECT json_extract(f.value, '$.value') AS v FROM json_each(p.doc, '$.back_fields') AS f
            UNION ALL SELECT t.value AS v FROM json_tree(p.doc, '$.user_info') AS t WHERE t.type = 'text'
            UNION ALL SELECT t.value AS v FROM json_tree(p.doc, '$.metadata') AS t WHERE t.type = 'text'
        ) WHERE typeof(v) = 'text'), '')
FROM passes AS p;

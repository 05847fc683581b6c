-- Rewards enrollment (issue 14): what a holder gives Wallet's sign-up form is stored in the
-- pass document (`doc.personalization`) and found by the pass search (`q[search]`) like
-- the pass's field values: the search triggers of 0071 gain its name, e-mail, phone and
-- postal-code values. No pass holds one yet, so there is nothing to backfill.
DROP TRIGGER passes_search_insert;
DROP TRIGGER passes_search_update;

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
            UNION ALL SELECT json_extract(new.doc, '$.personalization.full_name') AS v
            UNION ALL SELECT json_extract(new.doc, '$.personalization.given_name') AS v
            UNION ALL SELECT json_extract(new.doc, '$.personalization.family_name') AS v
            UNION ALL SELECT json_extract(new.doc, '$.personalization.email_address') AS v
            UNION ALL SELECT json_extract(new.doc, '$.personalization.phone_number') AS v
            UNION ALL SELECT json_extract(new.doc, '$.personalization.postal_code') AS v
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
            UNION ALL SELECT json_extract(new.doc, '$.personalization.full_name') AS v
            UNION ALL SELECT json_extract(new.doc, '$.personalization.given_name') AS v
            UNION ALL SELECT json_extract(new.doc, '$.personalization.family_name') AS v
            UNION ALL SELECT json_extract(new.doc, '$.personalization.email_address') AS v
            UNION ALL SELECT json_extract(new.doc, '$.personalization.phone_number') AS v
            UNION ALL SELECT json_extract(new.doc, '$.personalization.postal_code') AS v
        ) WHERE typeof(v) = 'text'), '')
    WHERE pass_id = new.id;
END;

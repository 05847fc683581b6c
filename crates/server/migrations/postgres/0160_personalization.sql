-- Rewards enrollment (issue 14): what a holder gives Wallet's sign-up form is stored in the
-- pass document (`doc.personalization`) and found by the pass search (`q[search]`) like
-- the pass's field values: the search text of 0071 gains its name, e-mail, phone and
-- postal-code values. No pass holds one yet, so there is nothing to backfill.
CREATE OR REPLACE FUNCTION pass_search_body(serial TEXT, code TEXT, doc TEXT) RETURNS TEXT
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
                'strict $.metadata.**',
                'strict $.personalization.full_name',
                'strict $.personalization.given_name',
                'strict $.personalization.family_name',
                'strict $.personalization.email_address',
                'strict $.personalization.phone_number',
                'strict $.personalization.postal_code'
            ]::jsonpath[]) AS p(path),
            LATERAL jsonb_path_query(d.j, p.path, '{}', true) AS x(v)
        WHERE jsonb_typeof(x.v) = 'string'))
$$;

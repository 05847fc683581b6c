-- Passes at scale (issue 17).

-- A campaign merge walks its passes in id order in batches (`model::jobs::passes_after`)
-- over `passes_campaign_id` (campaign_id, id), which 0070 creates.
-- The CSV import looks rows up by serial number (unique already) or by redeem code within
-- the campaign (`passes_campaign_code_all`).

-- An uploaded CSV file of a `pass_import` job (at most 16 MiB), kept until the job is
-- deleted; `content_sha256` recognises a re-upload of the same file for the campaign.
CREATE TABLE pass_imports (
    job_id TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    csv TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX pass_imports_content ON pass_imports(campaign_id, content_sha256);

-- Per-row errors of an import (`GET /v2/jobs/{job_id}/errors`); `row_number` is the
-- line of the file (the header is line 1).
CREATE TABLE pass_import_errors (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    row_number INTEGER NOT NULL,
    attribute TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX pass_import_errors_job ON pass_import_errors(job_id, row_number);

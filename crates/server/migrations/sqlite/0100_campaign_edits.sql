-- Unpublished changes (issue 15): when a campaign's content was last edited and when it
-- was last merged into its passes. Passes made before the edit, with no merge since,
-- still show the old version.
ALTER TABLE campaigns ADD COLUMN edited_at TEXT;
ALTER TABLE campaigns ADD COLUMN merged_at TEXT;

-- Optional SMTP for invitations (issue 16): when the last invitation link was e-mailed,
-- or why e-mailing it failed (the invitation itself stands either way).
ALTER TABLE users ADD COLUMN invitation_sent_at TEXT;
ALTER TABLE users ADD COLUMN invitation_mail_error TEXT;

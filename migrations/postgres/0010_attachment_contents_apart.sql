-- Attachment contents may live apart from the database (a directory of
-- files, `DirAttachmentStore`): an attachment's row no longer needs its
-- content in attachment_blobs.
ALTER TABLE attachments DROP CONSTRAINT IF EXISTS attachments_sha256_fkey;
-- Whether any attachment still refers to a content (retention's clean-up).
CREATE INDEX attachments_sha256 ON attachments (sha256);

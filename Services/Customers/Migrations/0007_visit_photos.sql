-- Visit photos (issue 10): up to nine per visit, metadata stripped, served to callers whose scope includes the customer.
-- photo_blobs is the PostgreSQL PhotoStore (ADR 0007): the stored bytes, keyed by their SHA-256 so identical photos
-- share storage and a retried put is a no-op. visit_photos is the metadata; its sha256 is the blob's key and the ETag.
-- No foreign key from visit_photos to photo_blobs: the store may move to an S3-compatible bucket without a migration
-- of the metadata.
CREATE TABLE photo_blobs (
    sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- Photos are compressed already: store them out of line without trying to compress them again.
ALTER TABLE photo_blobs ALTER COLUMN bytes SET STORAGE EXTERNAL;

CREATE TABLE visit_photos (
    id uuid PRIMARY KEY,
    visit_id uuid NOT NULL REFERENCES visits (id),
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/heic')),
    byte_size integer NOT NULL CHECK (byte_size BETWEEN 1 AND 10485760),
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    captured_at timestamptz,
    latitude numeric(9, 6) CHECK (latitude BETWEEN -90 AND 90),
    longitude numeric(9, 6) CHECK (longitude BETWEEN -180 AND 180),
    created_at timestamptz NOT NULL,
    CHECK ((latitude IS NULL) = (longitude IS NULL))
);

CREATE INDEX visit_photos_visit_idx ON visit_photos (visit_id, created_at, id);
CREATE INDEX visit_photos_sha256_idx ON visit_photos (sha256);

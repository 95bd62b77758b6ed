import { describeResumableUploads } from '../support/resumable-upload-cases.js';

// The file store's cases (resumable-uploads.e2e-spec.ts) with STORAGE_DRIVER=s3: @tus/s3-store
// against the S3 test peer (s3rver with the multipart calls it lacks).
describeResumableUploads('s3');

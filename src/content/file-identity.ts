/** The size and modification time a file had when it was planned: what says "the same file" between two looks. */
export interface FileIdentity {
  sizeBytes: number;
  mtimeMs: number;
}

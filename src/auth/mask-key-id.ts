/**
 * An access key id shortened for display: its first and last four characters, enough to tell keys
 * apart without printing one whole. Ids of eight characters or fewer show nothing but `****`.
 */
export function maskAccessKeyId(accessKeyId: string): string {
  return accessKeyId.length <= 8 ? '****' : `${accessKeyId.slice(0, 4)}...${accessKeyId.slice(-4)}`;
}

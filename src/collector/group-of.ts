import type { UploadTask } from './plan-upload.js';

/**
 * The status group of a task: its folder type, or with `reels` grouping the reel folder a reel
 * file sits in (its first path segment), as reels are counted.
 */
export function groupOf(task: UploadTask, groupKey: 'folder_types' | 'reels'): string {
  if (groupKey === 'folder_types' || task.group !== 'reels') return task.group;
  const slash = task.relPath.indexOf('/');
  return slash > 0 ? task.relPath.slice(0, slash) : 'reels';
}

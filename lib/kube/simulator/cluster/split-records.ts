// Container runtimes (containerd, CRI-O) cut a log line longer than 16 KiB into partial records; the kubelet keeps them
// as separate records, each with its own timestamp (kubernetes/kubernetes#77603).

export const CRI_MAX_RECORD_BYTES = 16 * 1024;

/** The records one line becomes; cuts fall on UTF-8 character boundaries. */
export function splitRecords(text: string, maxBytes = CRI_MAX_RECORD_BYTES): string[] {
  // Fast path: a string of n UTF-16 units has at most 3n UTF-8 bytes.
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes) return [text];
  const bytes = Buffer.from(text, 'utf8');
  const out: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + maxBytes, bytes.length);
    // Back off continuation bytes (10xxxxxx) so no character is split.
    while (end < bytes.length && end > start && (bytes[end]! & 0xc0) === 0x80) end--;
    out.push(bytes.subarray(start, end).toString('utf8'));
    start = end;
  }
  return out;
}

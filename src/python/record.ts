// The RECORD file of an installed distribution (PEP 376 / wheel spec): CSV lines "path,hash,size".

/** Paths listed in a RECORD file (first CSV column). */
export function parseRecord(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    if (line.startsWith('"')) {
      const end = line.indexOf('",');
      out.push(line.slice(1, end < 0 ? undefined : end).replace(/""/g, '"'));
    } else {
      out.push(line.split(',')[0] ?? '');
    }
  }
  return out.filter((p) => p !== '');
}

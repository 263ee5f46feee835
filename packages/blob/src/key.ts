// Which blob keys are valid. Both adapters apply the same rule, so a key that
// works on one works on the other: '/'-separated segments, none empty, '.' or
// '..', no leading '/', no backslash or NUL, not under the reserved '.tmp/'.

export function checkKey(key: string): void {
  const segments = key.split('/');
  const bad =
    key.length === 0 ||
    key.length > 1024 ||
    key.includes('\\') ||
    key.includes('\0') ||
    segments[0] === '.tmp' ||
    segments.some((s) => s === '' || s === '.' || s === '..');
  if (bad) throw new Error(`invalid blob key: ${JSON.stringify(key)}`);
}

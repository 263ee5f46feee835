// Key sequences for hash-style lookups, shared by access and address tables:
// parent domains and address extensions (user+ext → user).

/** "sub.example.test" → sub.example.test, example.test, .example.test, test, .test */
export function domainLookupKeys(name: string): string[] {
  let domain = name.toLowerCase();
  if (domain.endsWith('.')) domain = domain.slice(0, -1);
  if (domain.length === 0) return [];
  const keys = [domain];
  let rest = domain;
  for (let dot = rest.indexOf('.'); dot >= 0; dot = rest.indexOf('.')) {
    rest = rest.slice(dot + 1);
    if (rest.length === 0) break;
    keys.push(rest, `.${rest}`);
  }
  return keys;
}

/**
 * Split "user+ext" at the first recipient delimiter character. The extension keeps its
 * delimiter ("+ext"). No split when the local part starts with the delimiter or it is empty.
 */
export function splitExtension(
  local: string,
  delimiters: string,
): { base: string; ext: string } | null {
  if (delimiters.length === 0) return null;
  for (let i = 1; i < local.length; i++) {
    if (delimiters.includes(local[i] as string))
      return { base: local.slice(0, i), ext: local.slice(i) };
  }
  return null;
}

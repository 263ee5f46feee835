// @postfleet/imapd role (placeholder until its issue lands).
export {};

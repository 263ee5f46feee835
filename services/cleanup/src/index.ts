// @postfleet/cleanup role (placeholder until its issue lands).
export {};

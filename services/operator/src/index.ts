// @postfleet/operator role (placeholder until its issue lands).
export {};

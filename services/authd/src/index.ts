// @postfleet/authd role (placeholder until its issue lands).
export {};

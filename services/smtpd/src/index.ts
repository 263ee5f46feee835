// @postfleet/smtpd role (placeholder until its issue lands).
export {};

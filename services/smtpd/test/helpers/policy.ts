// A complete RuntimeConfig for smtpd tests: Postfix defaults per listener,
// with overrides per test (the real compiler is tested in @postfleet/config).
import type { EffectivePolicy, ListenerName, RuntimeConfig } from '@postfleet/config';

export function testPolicy(
  listener: ListenerName,
  over: Partial<EffectivePolicy> = {},
): EffectivePolicy {
  return {
    source: '(test)',
    mynetworks: ['127.0.0.0/8'],
    allow_any_mynetworks: false,
    smtpd_client_restrictions: [],
    smtpd_helo_restrictions: [],
    smtpd_sender_restrictions: [],
    smtpd_relay_restrictions: [],
    smtpd_recipient_restrictions: [],
    smtpd_data_restrictions: [],
    smtpd_helo_required: true,
    smtpd_delay_reject: true,
    strict_rfc821_envelopes: false,
    smtpd_recipient_limit: 1000,
    smtpd_recipient_overshoot_limit: 1000,
    message_size_limit: 10_240_000,
    smtpd_forbid_bare_newline: true,
    smtpd_tls_security_level: listener === 'smtp' ? 'may' : 'encrypt',
    smtpd_tls_auth_only: true,
    smtpd_sasl_auth_enable: true,
    smtpd_client_connection_count_limit: 50,
    smtpd_client_connection_rate_limit: 0,
    smtpd_client_message_rate_limit: 0,
    smtpd_error_sleep_time: 0,
    smtpd_soft_error_limit: 10,
    smtpd_hard_error_limit: 20,
    smtpd_junk_command_limit: 100,
    smtpd_timeout: 300,
    smtpd_starttls_timeout: 60,
    smtpd_min_data_rate: 500,
    smtpd_upstream_proxy_protocol: '',
    smtpd_upstream_proxy_trusted: [],
    header_checks: [],
    mime_header_checks: [],
    nested_header_checks: [],
    body_checks: [],
    maps_rbl_reject_code: 554,
    ...over,
  };
}

export function testConfig(
  over: Partial<Record<ListenerName, Partial<EffectivePolicy>>> = {},
): RuntimeConfig {
  return {
    version: 'test',
    compiledAt: new Date(0).toISOString(),
    domains: {},
    users: {},
    accessMaps: {},
    addressMaps: {},
    settings: {},
    policies: {
      smtp: testPolicy('smtp', over.smtp),
      submission: testPolicy('submission', over.submission),
      submissions: testPolicy('submissions', over.submissions),
    },
  };
}

// The main.cf settings the smtp and lmtp clients use, read once per delivery through the
// config package's typed accessors (defaults live in its catalogue, never here).
import {
  expandedSetting,
  globalSetting,
  parseDuration,
  type GlobalSettingName,
  type GlobalSettings,
} from '@postfleet/config';
import type { HostLookup } from './smtp-route.ts';

export interface SmtpSettings {
  myhostname: string;
  heloName: string;
  bindAddress: string;
  hostLookup: HostLookup[];
  connectTimeoutMs: number;
  heloTimeoutMs: number;
  dataDoneTimeoutMs: number;
  cacheTimeMs: number;
  mxAddressLimit: number;
  mxSessionLimit: number;
  tlsLevel: string;
  tlsCaFile: string;
}

/** A time setting in ms; a value that does not parse falls back to the catalogue default. */
function durationMs(settings: GlobalSettings, name: GlobalSettingName): number {
  return (
    parseDuration(String(globalSetting(settings, name))) ??
    parseDuration(String(globalSetting(undefined, name))) ??
    0
  );
}

export function smtpSettings(settings: GlobalSettings): SmtpSettings {
  const lookup = globalSetting(settings, 'smtp_host_lookup')
    .toLowerCase()
    .split(/[\s,]+/)
    .filter((m): m is HostLookup => m === 'dns' || m === 'native');
  return {
    myhostname: expandedSetting(settings, 'myhostname').toLowerCase(),
    heloName: expandedSetting(settings, 'smtp_helo_name'),
    bindAddress: globalSetting(settings, 'smtp_bind_address').trim(),
    hostLookup: lookup.length > 0 ? lookup : ['dns'],
    connectTimeoutMs: durationMs(settings, 'smtp_connect_timeout'),
    heloTimeoutMs: durationMs(settings, 'smtp_helo_timeout'),
    dataDoneTimeoutMs: durationMs(settings, 'smtp_data_done_timeout'),
    cacheTimeMs: durationMs(settings, 'smtp_connection_cache_time_limit'),
    mxAddressLimit: globalSetting(settings, 'smtp_mx_address_limit'),
    mxSessionLimit: globalSetting(settings, 'smtp_mx_session_limit'),
    tlsLevel: globalSetting(settings, 'smtp_tls_security_level'),
    tlsCaFile: globalSetting(settings, 'smtp_tls_CAfile').trim(),
  };
}

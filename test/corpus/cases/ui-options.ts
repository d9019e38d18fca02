/**
 * Connector options out of range or of the wrong type, as set in the ThreatQ UI (custom fields
 * through the simulator's /_sim/connector) or under `options:` in the config file; empty labels
 * in STIX 2.0 mode. Exit 2 naming the option (UI label or file key) and what is allowed.
 */
import type { CorpusCase } from '../run-case.js'
import { configFile } from './config.js'

/** UI value → the message fragment after `UI option "<label>" (<key>): `. */
const BAD_UI: [string, unknown, RegExp][] = [
  ['relationship_depth', '4', /Relationship Depth.*Too big: expected number to be <=3/],
  ['relationship_depth', 4, /Relationship Depth.*Too big/],
  ['relationship_depth', '-1', /Relationship Depth.*Too small/],
  ['relationship_depth', '1.5', /Relationship Depth.*expected number/],
  ['relationship_depth', 'two', /Relationship Depth.*expected number/],
  ['relationship_depth', '99999999999999999999', /Relationship Depth/],
  ['relationship_depth', true, /Relationship Depth.*expected number/],
  ['relationship_depth', [1], /Relationship Depth.*expected number/],
  ['relationship_depth', { depth: 1 }, /Relationship Depth.*expected number/],
  ['alert_severity', 'Critical', /Alert Severity.*"Low"\|"Medium"\|"High"/],
  ['alert_severity', 5, /Alert Severity/],
  ['stix_version', '3.0', /stix_version.*"2\.0"\|"2\.1"/],
  ['stix_version', 2, /stix_version/],
  ['aed_api_version', 'v4', /aed_api_version.*"auto"\|"v2"\|"v3"/],
  ['export_all_types', 'maybe', /export_all_types.*expected boolean/],
  ['first_run_lookback_hours', '0', /first_run_lookback_hours.*Too small/],
  ['first_run_lookback_hours', '1e3', /first_run_lookback_hours.*expected number/],
  ['first_run_lookback_hours', '9999999', /first_run_lookback_hours.*Too big/],
  ['consume_batch_size', '0', /consume_batch_size.*Too small/],
  ['consume_batch_size', '5001', /consume_batch_size.*Too big/],
  ['taxii_max_objects', '100001', /taxii_max_objects.*Too big/],
  ['taxii_max_objects', '-5', /taxii_max_objects.*Too small/],
  ['default_indicator_labels', 5, /Default Indicator Labels.*expected array/],
  ['query_keywords', { q: 'x' }, /Query Keywords.*expected array/],
  ['event_type', 123, /event_type.*expected string/],
  ['hostname', 42, /Hostname.*expected string/],
  ['api_token', ['t'], /API Token.*expected string/],
]

/** Types whose default labels STIX 2.0 needs at this depth, with the labels left empty. */
const EMPTY_LABELS: [string, Record<string, string>, RegExp][] = [
  ['indicator labels blank', { default_indicator_labels: '' }, /Default Indicator Labels/],
  [
    'indicator labels only commas',
    { default_indicator_labels: ' , ,, ' },
    /Default Indicator Labels/,
  ],
  ['malware labels blank at depth 1', { default_malware_labels: '' }, /Default Malware Labels/],
  [
    'every label blank at depth 3',
    {
      relationship_depth: '3',
      default_indicator_labels: '',
      default_threat_actor_labels: '',
      default_malware_labels: '',
      default_tool_labels: '',
      default_report_labels: '',
    },
    /Default Indicator Labels \(default_indicator_labels\), Default Threat Actor Labels \(default_threat_actor_labels\), Default Malware Labels \(default_malware_labels\), Default Tool Labels \(default_tool_labels\), Default Report Labels \(default_report_labels\)/,
  ],
  [
    'report labels blank, stix_version 2.0 spelt out',
    { default_report_labels: '', stix_version: '2.0' },
    /Default Report Labels/,
  ],
]

/** `options:` in the config file → message fragment. */
const BAD_LOCAL: [string, Record<string, unknown>, RegExp][] = [
  [
    'an unknown option',
    { relationship_dept: 2 },
    /options\.relationship_dept in \S+local-0\.yaml: unknown option; did you mean relationship_depth\?/,
  ],
  [
    'two unknown options',
    { foo: 1, bar: 2 },
    /options\.foo in \S+: unknown option\n {2}options\.bar/,
  ],
  [
    'depth 4',
    { relationship_depth: 4 },
    /options\.relationship_depth in \S+\.yaml: Too big.*\(got 4\)/,
  ],
  ['a host that is a number', { hostname: 5 }, /options\.hostname in \S+\.yaml: .*expected string/],
  [
    'labels as a mapping',
    { default_indicator_labels: { a: 1 } },
    /options\.default_indicator_labels in \S+\.yaml/,
  ],
  ['a severity of null', { alert_severity: null }, /options\.alert_severity in \S+\.yaml/],
]

export const UI_OPTIONS: CorpusCase[] = [
  ...BAD_UI.map(([key, value, message], i): CorpusCase => ({
    name: `UI option ${key} = ${JSON.stringify(value)}`,
    instance: `ui-${String(i)}`,
    files: configFile(),
    ui: { [key]: value },
    expect: {
      code: 2,
      // One problem is one line; several are listed below it.
      stderr: new RegExp(`invalid connector options:(?:\\n {2}| )UI option .*${message.source}`),
    },
    ...(i === 0 ? { spawn: true } : {}),
  })),
  ...EMPTY_LABELS.map(([what, ui, message], i): CorpusCase => ({
    name: `STIX 2.0 with ${what}`,
    instance: `labels-${String(i)}`,
    files: configFile(),
    ui,
    // Labels a run needs are listed with every other missing option (exit 4), not a second stop.
    expect: {
      code: 4,
      stdout: new RegExp(`The connector is not configured yet: set .*${message.source}`),
    },
  })),
  ...BAD_LOCAL.map(([what, options, message], i): CorpusCase => ({
    name: `options: in the config file with ${what}`,
    instance: `local-${String(i)}`,
    files: configFile((c) => (c.options = options)),
    ui: {},
    expect: { code: 2, stderr: message },
  })),
  {
    name: 'options: in the config file with an empty label list in 2.0 mode',
    instance: 'local-labels',
    files: configFile((c) => (c.options = { default_indicator_labels: [] })),
    ui: {},
    expect: {
      code: 4,
      stdout: /The connector is not configured yet: set .*Default Indicator Labels/,
    },
  },
]

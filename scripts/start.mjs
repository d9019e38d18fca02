// `npm start`: the full demo (both simulators, export, traffic, import) arrives with the connector.
console.log(
  'tq-conn-netscout-aed: the demo (simulators, export and import end to end) arrives with the connector; for now run `npm test`.',
)

// Validates what a real server sends against docs/asyncapi.yaml.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import YAML from 'yaml';
import { ROOT } from './server.js';

export const DOC_PATH = path.join(ROOT, 'docs/asyncapi.yaml');
export const doc = YAML.parse(readFileSync(DOC_PATH, 'utf8'));

const ajv = new Ajv({ strict: false, allErrors: true });
// The document itself is the root every '#/components/schemas/...' reference resolves against.
ajv.addSchema({ $id: 'asyncapi', components: { schemas: doc.components.schemas } });
const schema = (name) => ajv.getSchema('asyncapi#/components/schemas/' + name) || ajv.compile({ $ref: 'asyncapi#/components/schemas/' + name });
const byType = { tick: 'Tick', ack: 'Ack', error: 'Error', pong: 'Pong' };

/** Problems of one server message ('ws' frame, 'sse' event data with its id, 'poll' body, 'http' error body); [] when valid. */
export function check(kind, text, id) {
  const problems = [];
  const run = (name, value, label) => {
    const v = schema(name);
    if (!v(value)) problems.push(label + ' is not a valid ' + name + ': ' + ajv.errorsText(v.errors) + ' in ' + text.slice(0, 300));
  };
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return [kind + ' message is not JSON: ' + text.slice(0, 200)];
  }
  if (kind === 'ws') {
    const name = byType[value.type];
    if (!name) return ['ws message of unknown type: ' + text.slice(0, 200)];
    run(name, value, 'ws message');
  } else if (kind === 'sse') {
    run('Tick', value, 'SSE data');
    if (id != null) run('SseEventId', id, 'SSE id "' + id + '"');
  } else if (kind === 'poll') {
    run('PollResponse', value, 'poll response');
  } else if (kind === 'http') {
    run('HttpError', value, 'HTTP error body');
  }
  return problems;
}

/** Collects every message a client receives (its onMessage option) and checks them all at the end. */
export class Collector {
  constructor() {
    this.count = { ws: 0, sse: 0, poll: 0, http: 0 };
    this.problems = [];
    this.onMessage = (kind, text, id) => {
      this.count[kind]++;
      if (this.problems.length < 20) this.problems.push(...check(kind, text, id));
    };
  }
  assertValid(assert) {
    assert.deepEqual(this.problems, [], 'messages that do not match docs/asyncapi.yaml');
  }
}

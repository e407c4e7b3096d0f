// Minified + gzip size of the client (src/tickfan.js), with terser and zlib level 9.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { minify } from 'terser';

const src = readFileSync(new URL('../src/tickfan.js', import.meta.url), 'utf8');
const { code } = await minify(src, { module: true, compress: { passes: 2 }, mangle: true });
const gz = gzipSync(code, { level: 9 }).length;
console.log(`src/tickfan.js: ${src.length} B source, ${code.length} B minified, ${gz} B minified+gzip`);

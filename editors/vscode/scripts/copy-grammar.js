// Copies the TextMate grammar and the language configuration of editors/ (the one copy
// of each, also used outside VS Code) into syntaxes/, which the package points at.
// Run by `npm run copy-grammar` and before packaging (vscode:prepublish).
'use strict';

const fs = require('fs');
const path = require('path');

const here = path.resolve(__dirname, '..');
const out = path.join(here, 'syntaxes');
fs.mkdirSync(out, { recursive: true });
for (const name of ['law.tmLanguage.json', 'language-configuration.json']) {
  fs.copyFileSync(path.join(here, '..', name), path.join(out, name));
}

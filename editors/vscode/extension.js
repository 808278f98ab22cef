// The lawful extension: starts `lawful lsp` (the language server of lsp/ in the lawful
// repository) for .law files; everything else (diagnostics, hover, definition,
// references, completion, rename, formatting, code lenses that run the tests) comes from
// the server.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration('lawful').get('path') || 'lawful';
  // No `transport`: the client would add --stdio; standard streams are the default.
  const serverOptions = { command, args: ['lsp'] };
  const clientOptions = {
    documentSelector: [{ scheme: 'file', language: 'law' }],
    // The server reads a policy's folder: tell it when .law files change on disk.
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.law') },
  };
  client = new LanguageClient('lawful', 'lawful', serverOptions, clientOptions);

  context.subscriptions.push(
    vscode.commands.registerCommand('lawful.restartServer', () => client.restart()),
    // The server's own command (lawful.runTests, also behind each test's code lens)
    // takes the document's URI; this one runs it on the file in the editor.
    vscode.commands.registerCommand('lawful.runTestsOfFile', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || editor.document.languageId !== 'law') {
        vscode.window.showWarningMessage('lawful: open a .law file to run its tests');
        return;
      }
      const r = await vscode.commands.executeCommand('lawful.runTests', editor.document.uri.toString());
      if (!r) return;
      if (r.error) vscode.window.showWarningMessage(`lawful: ${r.error}`);
      else if (r.failed > 0) vscode.window.showErrorMessage(`lawful: ${r.failed} of ${r.passed + r.failed} tests failed (see Problems)`);
      else vscode.window.showInformationMessage(`lawful: all ${r.passed} tests passed`);
    }),
  );
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };

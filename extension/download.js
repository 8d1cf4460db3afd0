// SaveKeeper downloads: what a kept save holds, as the file a user would
// save, with a name that is safe to save. Used by the popup; tested by
// e2e/unit/download.test.mjs.
//
// The page that filed a kept save chose its path and body, so neither is
// trusted for the name: the extension comes from what the body is (a
// notebook is .ipynb, a text file keeps a text extension or gets .txt,
// bytes keep an image extension or get .bin), and characters that hide or
// reorder what a name shows (controls, bidirectional marks) or that file
// systems refuse are taken out.
'use strict';
/* global savekeeperBodies */

/* exported savekeeperDownload */ // used by the scripts loaded after this one
const savekeeperDownload = (() => {
  const TEXT = new Set(['txt', 'md', 'py', 'r', 'jl', 'csv', 'tsv', 'json', 'yaml', 'yml', 'toml', 'ini', 'cfg', 'tex', 'rst', 'log']);
  const IMAGES = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp']);
  const MAX_NAME = 150;

  // clean returns the last segment of path without characters that hide,
  // reorder or end a name, trimmed of spaces and dots.
  function clean(path) {
    let name = String(path).slice(String(path).lastIndexOf('/') + 1);
    // Controls, bidirectional marks and isolates, line and paragraph separators.
    name = name.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, '');
    name = name.replace(/[<>:"\\|?*]/g, '_'); // refused by Windows' file systems
    name = name.replace(/^[\s.]+|[\s.]+$/g, '');
    return name;
  }

  // extensionOf returns name's extension in lower case, '' when none.
  function extensionOf(name) {
    const dot = name.lastIndexOf('.');
    return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  }

  // fileName returns the name to save a kept save of path under, for a
  // body of kind 'notebook', 'text', 'bytes' or 'raw' (a body that is not
  // a contents model, saved as the JSON it is).
  function fileName(path, kind) {
    let name = clean(path) || 'kept-save';
    const ext = extensionOf(name);
    let add = '';
    if (kind === 'notebook' && ext !== 'ipynb') add = '.ipynb';
    else if (kind === 'text' && !TEXT.has(ext)) add = '.txt';
    else if (kind === 'bytes' && !IMAGES.has(ext)) add = '.bin';
    else if (kind === 'raw') add = '.json';
    if (name.length + add.length > MAX_NAME) {
      // Cut the stem, keep the extension the name ends with.
      const keep = add || (ext && ext.length < 10 ? '.' + ext : '');
      const stem = add ? name : name.slice(0, name.length - keep.length);
      return stem.slice(0, MAX_NAME - keep.length) + keep;
    }
    return name + add;
  }

  // fileOf returns what a kept save holds as the file the user would save:
  // {data, type, name}: the notebook of a contents model (JSON as it was
  // sent), the text or bytes of a file model, or the body itself when it
  // is not a model.
  function fileOf(body, path) {
    let model = null;
    try {
      model = JSON.parse(body);
    } catch (e) {
      model = null;
    }
    if (model && model.type === 'notebook' && model.content && typeof model.content === 'object') {
      return { data: JSON.stringify(model.content), type: 'application/x-ipynb+json', name: fileName(path, 'notebook') };
    }
    if (model && model.type === 'file' && typeof model.content === 'string') {
      if (model.format === 'base64') {
        const bytes = Uint8Array.from(atob(model.content), (c) => c.charCodeAt(0));
        return { data: bytes, type: 'application/octet-stream', name: fileName(path, 'bytes') };
      }
      return { data: model.content, type: 'text/plain', name: fileName(path, 'text') };
    }
    return { data: body, type: 'application/json', name: fileName(path, 'raw') };
  }

  // download saves the kept save with id (a rescue of path) through the
  // browser's downloads, from one of the extension's pages, and resolves
  // to the name it was saved under. The body is read from the extension's
  // IndexedDB (bodies.js).
  async function download(id, path) {
    const parts = await savekeeperBodies.get(id);
    if (!parts) throw new Error('the kept save is gone');
    const file = fileOf(parts.join(''), path);
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([file.data], { type: file.type }));
    a.download = file.name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60000);
    return file.name;
  }

  return { fileName, fileOf, download };
})();

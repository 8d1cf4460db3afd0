// SaveKeeper rescue bodies: the request bodies of saves that could not be
// completed, kept in the extension's own IndexedDB (storage.local is too
// small for notebooks of many megabytes). The engine keeps the books on
// them (which file, which version, when to try again); this file only
// stores, reads and deletes bodies by id. Used by the background and the
// popup, which share the extension's origin and so the database.
//
// A body is stored as the list of string parts it arrived in (each at most
// PART characters), so that it can be sent on in parts again without
// being copied into one string.
'use strict';

/* exported savekeeperBodies */ // used by the scripts loaded after this one
const savekeeperBodies = (() => {
  const DB = 'savekeeper';
  const STORE = 'bodies';
  const PART = 4 * 1024 * 1024; // characters per message part

  let opening = null;

  function open() {
    if (!opening) {
      opening = new Promise((resolve, reject) => {
        const req = indexedDB.open(DB, 1);
        req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'id' });
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      opening.catch(() => { opening = null; });
    }
    return opening;
  }

  // run performs fn on the store in a transaction and resolves to the
  // result of the request fn returns, once the transaction is complete.
  async function run(mode, fn) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req ? req.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
    });
  }

  return {
    PART,
    // newId returns an id for a new body: the time it is stored, then a
    // random part.
    newId() {
      return Date.now() + '-' + crypto.randomUUID();
    },
    // storedAt returns when the body with id was stored (ms), 0 if unknown.
    storedAt(id) {
      return Number.parseInt(String(id), 10) || 0;
    },
    // put stores the parts of a body under id.
    put(id, parts) {
      return run('readwrite', (store) => store.put({ id, parts }));
    },
    // get resolves to the parts of the body with id, or null.
    async get(id) {
      const record = await run('readonly', (store) => store.get(id));
      return record ? record.parts : null;
    },
    // delete removes the bodies with the given ids.
    delete(ids) {
      return run('readwrite', (store) => {
        for (const id of ids) store.delete(id);
        return null;
      });
    },
    // ids resolves to the ids of every stored body.
    ids() {
      return run('readonly', (store) => store.getAllKeys());
    },
  };
})();

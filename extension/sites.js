// SaveKeeper sites: where the page layer runs. localhost, 127.0.0.1 and
// [::1] are in the manifest; any other site (a university's JupyterHub,
// say) is enabled by the user, one origin at a time: the popup asks for
// that origin only (an optional host permission) and registers the
// content scripts for it; "Disable" removes both. An organisation's admin
// can name sites to protect in a policy (managed storage, "sites": see
// managed_schema.json and docs/admins.md): the popup there asks
// the user once, with one button, for the permission the browser gives
// only on a click, and such a site cannot be disabled. Used by the popup
// and the settings page.
'use strict';

/* exported savekeeperSites */ // used by the scripts loaded after this one
const savekeeperSites = (() => {
  const BUILT_IN = new Set(['localhost', '127.0.0.1', '[::1]']);
  const PREFIX = 'savekeeper-site ';

  // pattern returns the match pattern for an http(s) URL's host (match
  // patterns cannot name a port), or '' for any other URL.
  function pattern(url) {
    let u;
    try {
      u = new URL(url);
    } catch (e) {
      return '';
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return '';
    return u.protocol + '//' + u.hostname + '/*';
  }

  // builtIn tells whether SaveKeeper works on url without being enabled.
  function builtIn(url) {
    try {
      const u = new URL(url);
      return u.protocol === 'http:' && BUILT_IN.has(u.hostname);
    } catch (e) {
      return false;
    }
  }

  // scripts returns the content scripts that make SaveKeeper run on the
  // sites matching p: the relay first, then the page layer (see manifest).
  function scripts(p) {
    const common = { matches: [p], runAt: 'document_start', allFrames: false, persistAcrossSessions: true };
    return [
      { ...common, id: PREFIX + 'relay ' + p, js: ['relay.js', 'notice.js'], world: 'ISOLATED' },
      { ...common, id: PREFIX + 'page ' + p, js: ['page.js'], world: 'MAIN' },
    ];
  }

  // registered returns the match patterns of the enabled sites.
  async function registered() {
    const list = await chrome.scripting.getRegisteredContentScripts();
    const out = new Set();
    for (const s of list) {
      if (s.id.startsWith(PREFIX + 'relay ')) out.add(s.id.slice((PREFIX + 'relay ').length));
    }
    return [...out];
  }

  // MAX_MANAGED bounds how many sites a policy can name.
  const MAX_MANAGED = 100;

  // managed returns the match patterns of the sites the organisation's
  // policy asks SaveKeeper to protect: storage.managed's "sites", each an
  // http(s) origin such as "https://hub.example.org". Anything else in the
  // list is left out; [] where no policy names sites (Firefox throws then).
  async function managed() {
    let got;
    try {
      got = await chrome.storage.managed.get('sites');
    } catch (e) {
      return [];
    }
    const sites = got && Array.isArray(got.sites) ? got.sites.slice(0, MAX_MANAGED) : [];
    const out = new Set();
    for (const s of sites) {
      const p = typeof s === 'string' ? pattern(s) : '';
      if (p && !builtIn(s)) out.add(p);
    }
    return [...out];
  }

  return {
    pattern,
    builtIn,
    registered,
    managed,
    // isManaged tells whether the organisation's policy names url's site.
    async isManaged(url) {
      const p = pattern(url);
      return p !== '' && (await managed()).includes(p);
    },
    // enabled tells whether url's site is enabled by the user.
    async enabled(url) {
      const p = pattern(url);
      return p !== '' && (await registered()).includes(p);
    },
    // enable asks for url's site and registers the scripts there. It must
    // be called from a click: the browser asks the user first. Resolves to
    // false when the user said no.
    async enable(url) {
      const p = pattern(url);
      if (!p || builtIn(url)) throw new Error('not a site to enable: ' + url);
      // permissions.request first, while the click still counts.
      const granted = await chrome.permissions.request({ origins: [p] });
      if (!granted) return false;
      if (!(await registered()).includes(p)) await chrome.scripting.registerContentScripts(scripts(p));
      return true;
    },
    // update gives each enabled site the scripts of this version (an
    // update may add one); called when the extension is updated.
    async update() {
      for (const p of await registered()) {
        await chrome.scripting.updateContentScripts(scripts(p))
          .catch((err) => console.error('SaveKeeper could not update the scripts of', p, err));
      }
    },
    // unregister removes the scripts for the sites matching p.
    async unregister(p) {
      const ids = scripts(p).map((s) => s.id);
      const present = (await chrome.scripting.getRegisteredContentScripts({ ids })).map((s) => s.id);
      if (present.length) await chrome.scripting.unregisterContentScripts({ ids: present });
    },
    // disable removes the scripts and gives the permission back; not for a
    // site the organisation's policy names.
    async disable(p) {
      if ((await managed()).includes(p)) throw new Error('your organisation asks SaveKeeper to protect this site');
      await this.unregister(p);
      await chrome.permissions.remove({ origins: [p] });
    },
  };
})();

// SaveKeeper i18n: puts the words of the browser's language into an
// extension page. An element's data-i18n names its text's message in
// _locales/<language>/messages.json; data-i18n-<attribute> names one of
// its attributes' (data-i18n-aria-label sets aria-label). The page's lang
// becomes the language the browser shows.
'use strict';

/* exported savekeeperI18n */ // used by the scripts loaded after this one
const savekeeperI18n = (() => {
  // say returns message name with its substitutions, or the name itself
  // when no locale has it (a test looks for such names).
  function say(name, subs = []) {
    return chrome.i18n.getMessage(name, subs) || name;
  }

  function apply(root = document) {
    document.documentElement.lang = say('@@ui_locale').replace('_', '-');
    for (const el of root.querySelectorAll('*')) {
      for (const attr of [...el.attributes]) {
        if (attr.name === 'data-i18n') el.textContent = say(attr.value);
        else if (attr.name.startsWith('data-i18n-')) el.setAttribute(attr.name.slice('data-i18n-'.length), say(attr.value));
      }
    }
  }

  return { say, apply };
})();

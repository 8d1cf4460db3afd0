// SaveKeeper welcome page, opened when SaveKeeper is installed (and when
// an update leaves Jupyter tabs unguarded): what SaveKeeper does, the
// Jupyter tabs open from before, with a button that reloads exactly those,
// and how to turn it on for another site.
'use strict';
/* global savekeeperI18n, savekeeperReload */

const say = savekeeperI18n.say;
let listed = []; // the tabs shown, {id, title, url}

// show lists the tabs to reload, or says that none needs it.
async function show() {
  const tabs = await savekeeperReload.find();
  const list = document.getElementById('reload-list');
  const button = document.getElementById('reload-button');
  list.replaceChildren(...tabs.map((tab) => {
    const li = document.createElement('li');
    li.textContent = tab.title;
    li.title = tab.url;
    return li;
  }));
  button.hidden = tabs.length === 0;
  listed = tabs;
  document.getElementById('reload-text').textContent = tabs.length ? say('welcomeReloadSome') : say('welcomeReloadNone');
}

document.getElementById('reload-button').addEventListener('click', async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  document.getElementById('reload-text').textContent = say('welcomeReloading');
  await savekeeperReload.reload(listed);
  button.disabled = false;
  await show();
  if (document.getElementById('reload-button').hidden) document.getElementById('reload-text').textContent = say('welcomeReloaded');
});

savekeeperI18n.apply();
show().catch((err) => {
  document.getElementById('reload-text').textContent = String((err && err.message) || err);
});

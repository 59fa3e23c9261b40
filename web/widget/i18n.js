/* Switchboard chat widget: the language it speaks. LOCALES (language tag -> texts) is put in by the gateway from
   web/widget/locales/*.json; every text the widget shows comes from there through t(). The language is the page's
   `locale` setting, else the first of the browser's languages the catalogue has, else English. */
'use strict';

const FALLBACK_LOCALE = 'en';
let localeName = FALLBACK_LOCALE;
let catalogue = LOCALES[FALLBACK_LOCALE];

// The first tag of `wanted` the catalogue has, by its full tag (`pt-br`) and then by its language (`fr-CA` -> `fr`).
function pickLocale(wanted) {
  for (const tag of wanted) {
    if (!tag || typeof tag !== 'string') continue;
    const lower = tag.trim().toLowerCase().replace(/_/g, '-');
    if (Object.hasOwn(LOCALES, lower)) return lower;
    const language = lower.split('-')[0];
    if (Object.hasOwn(LOCALES, language)) return language;
  }
  return FALLBACK_LOCALE;
}

function useLocale(setting) {
  const browser = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  localeName = pickLocale([setting, ...browser]);
  catalogue = LOCALES[localeName];
}

// A text with its {placeholders} filled; a key a language lacks falls back to English (the gateway's tests keep the
// catalogues complete, this is for a site that adds one of its own mid-way).
function t(key, params) {
  const text = catalogue[key] ?? LOCALES[FALLBACK_LOCALE][key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (params[name] != null ? String(params[name]) : whole));
}

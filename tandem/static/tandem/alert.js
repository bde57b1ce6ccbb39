/* Tandem alert sound: a short two-note chime made with the Web Audio API (no audio files).
   Plain JS, no dependencies; loaded with `defer` (strict CSP: no inline scripts). Reused by
   every feature that needs to get someone's attention (Book now offers, reminders).

     window.tandemAlert.chime()               play the chime; returns true if it played
     window.tandemAlert.soundEnabled()        whether sound is on for this user and browser
     window.tandemAlert.setSoundEnabled(on)   remember the choice in this browser

   Sound is OFF when either says so:
     <body data-sound="off">                  the server's answer (a user setting, when one
                                              exists), which wins over the browser's
     localStorage["tandem:sound"] === "off"   this browser's choice (setSoundEnabled(false))

   Every call of chime() dispatches `tandem:chime` on document, detail {played: bool}, so a
   page can show a visual cue instead (and tests can see it). Browsers keep audio suspended
   until the user has interacted with the page once: a chime before that does not sound
   (played: false); the first click or key press unlocks it.
*/
(() => {
  "use strict";

  if (window.tandemAlert) return;

  const STORAGE_KEY = "tandem:sound";
  // Two rising notes (A5, E6): short, recognisable, not alarming.
  const NOTES = [
    { frequency: 880, at: 0, length: 0.18 },
    { frequency: 1318.5, at: 0.16, length: 0.28 },
  ];
  const VOLUME = 0.15;

  let context = null;

  function audioContext() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    if (!context) {
      try {
        context = new Context();
      } catch (error) {
        return null; // too many contexts, or audio disabled
      }
    }
    return context;
  }

  function stored() {
    try {
      return window.localStorage.getItem(STORAGE_KEY);
    } catch (error) {
      return null; // storage disabled (privacy mode)
    }
  }

  function soundEnabled() {
    if (document.body && document.body.dataset.sound === "off") return false;
    return stored() !== "off";
  }

  function setSoundEnabled(on) {
    try {
      if (on) window.localStorage.removeItem(STORAGE_KEY);
      else window.localStorage.setItem(STORAGE_KEY, "off");
    } catch (error) {
      /* not remembered, nothing else to do */
    }
    return soundEnabled();
  }

  function tone(ctx, note) {
    const start = ctx.currentTime + note.at;
    const oscillator = ctx.createOscillator();
    const gain = ctx.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = note.frequency;
    // A quick attack and an exponential fall: a bell, not a click.
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(VOLUME, start + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + note.length);
    oscillator.connect(gain).connect(ctx.destination);
    oscillator.start(start);
    oscillator.stop(start + note.length + 0.02);
  }

  function chime() {
    let played = false;
    if (soundEnabled()) {
      const ctx = audioContext();
      if (ctx && ctx.state !== "closed") {
        if (ctx.state === "suspended") ctx.resume().catch(() => {});
        try {
          NOTES.forEach((note) => tone(ctx, note));
          played = ctx.state === "running";
        } catch (error) {
          played = false;
        }
      }
    }
    document.dispatchEvent(new CustomEvent("tandem:chime", { detail: { played } }));
    return played;
  }

  // Autoplay rules: audio may start only once the user has interacted with the page. A
  // context made after that starts by itself; one made before is resumed on the first gesture.
  function unlock() {
    if (context && context.state === "suspended") context.resume().catch(() => {});
    document.removeEventListener("pointerdown", unlock, true);
    document.removeEventListener("keydown", unlock, true);
  }
  document.addEventListener("pointerdown", unlock, true);
  document.addEventListener("keydown", unlock, true);

  window.tandemAlert = Object.freeze({ chime, soundEnabled, setSoundEnabled });
})();

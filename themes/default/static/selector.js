/* The scenario selector, one question at a time. Without this script every question is a plain
   section with plain links; with it, the current question is taken from the URL (#q-<id>), so
   reload and the browser's back button keep the reader's place. */
(function () {
  "use strict";
  var root = document.getElementById("vd-selector");
  if (!root) { return; }
  var questions = Array.prototype.slice.call(root.querySelectorAll(".vd-question"));
  if (questions.length === 0) { return; }
  var byId = {};
  questions.forEach(function (q) { byId[q.id] = q; });
  var start = root.getAttribute("data-start") || questions[0].id;

  // For each question, the question and answer that lead to it first (breadth-first from start):
  // the path shown to the reader and the target of the back control.
  var parent = {};
  var queue = [start];
  var seen = {};
  seen[start] = true;
  while (queue.length > 0) {
    var id = queue.shift();
    var q = byId[id];
    if (!q) { continue; }
    Array.prototype.forEach.call(q.querySelectorAll("a.vd-answer-question"), function (a) {
      var next = a.getAttribute("href").slice(1);
      if (!seen[next] && byId[next]) {
        seen[next] = true;
        parent[next] = { question: id, answer: a };
        queue.push(next);
      }
    });
  }

  var controls = root.querySelector(".vd-selector-controls");
  var pathList = root.querySelector(".vd-selector-path");
  var back = root.querySelector(".vd-selector-back");
  var restart = root.querySelector(".vd-selector-restart");
  root.classList.add("vd-js");

  function current() {
    var id = decodeURIComponent(location.hash.slice(1));
    return byId[id] ? id : start;
  }

  function show(moveFocus) {
    var id = current();
    questions.forEach(function (q) { q.classList.toggle("vd-current", q.id === id); });
    var chain = [];
    for (var at = id; parent[at]; at = parent[at].question) { chain.unshift(parent[at]); }
    pathList.textContent = "";
    chain.forEach(function (step) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + step.question;
      link.textContent = step.answer.textContent;
      li.appendChild(link);
      pathList.appendChild(li);
    });
    // At the first question there is nothing to go back to: no controls.
    controls.hidden = id === start;
    if (moveFocus) {
      var heading = byId[id].querySelector("h3");
      if (heading) { heading.focus(); }
    }
  }

  back.addEventListener("click", function () {
    var p = parent[current()];
    location.hash = "#" + (p ? p.question : start);
  });
  restart.addEventListener("click", function () { location.hash = "#" + start; });
  window.addEventListener("hashchange", function () { show(true); });
  show(false);
}());

'use strict';
/*
 * Worker thread computing the reference results of a harness's cases (see
 * computeReferences in harness.js).  workerData.module is the harness file;
 * its exported refEval(c, args) runs one case.  workerData.progress holds the
 * index of the case being computed, for the stall watchdog.
 */
const { parentPort, workerData } = require('worker_threads');
const { reference } = require('./harness');

const { refEval } = require(workerData.module);
const { progress } = workerData;

parentPort.once('message', (input) => {
  const out = new Array(input.length);
  for (let i = 0; i < input.length; i++) {
    Atomics.store(progress, 0, i);
    out[i] = reference(refEval, input[i]);
  }
  parentPort.postMessage(out);
});

/* KTP counter: the webcam photo and the signature pad of an application page.
   Loaded as a file (the Content-Security-Policy allows no inline script);
   messages come translated in data attributes of the webcam button. */
(function () {
  'use strict';
  var form = document.getElementById('capture');
  if (!form) return; // the application is past the photo step
  var start = document.getElementById('camera-start'), video = document.getElementById('video');
  var shot = document.getElementById('shot');
  start.addEventListener('click', function () {
    if (!navigator.mediaDevices) { alert(start.dataset.noWebcam); return; }
    navigator.mediaDevices.getUserMedia({video: {width: 600, height: 800}}).then(function (stream) {
      video.srcObject = stream; document.getElementById('camera').hidden = false;
    }).catch(function () { alert(start.dataset.webcamUnavailable); });
  });
  document.getElementById('camera-shoot').addEventListener('click', function () {
    var ctx = shot.getContext('2d'), vw = video.videoWidth || 300, vh = video.videoHeight || 400;
    var w = Math.min(vw, vh * 3 / 4), h = w * 4 / 3;
    ctx.drawImage(video, (vw - w) / 2, (vh - h) / 2, w, h, 0, 0, 300, 400);
    shot.hidden = false;
    document.getElementById('photo_data').value = shot.toDataURL('image/jpeg', 0.9);
  });
  var pad = document.getElementById('pad'), pctx = pad.getContext('2d'), drawing = false, signed = false;
  pctx.lineWidth = 2.5; pctx.lineCap = 'round';
  function pos(e) {
    var r = pad.getBoundingClientRect();
    return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
  }
  pad.addEventListener('pointerdown', function (e) { drawing = true; var p = pos(e); pctx.beginPath(); pctx.moveTo(p[0], p[1]); });
  pad.addEventListener('pointermove', function (e) { if (!drawing) return; var p = pos(e); pctx.lineTo(p[0], p[1]); pctx.stroke(); signed = true; });
  window.addEventListener('pointerup', function () { drawing = false; });
  document.getElementById('pad-clear').addEventListener('click', function () { pctx.clearRect(0, 0, pad.width, pad.height); signed = false; });
  form.addEventListener('submit', function () {
    if (signed) document.getElementById('signature_data').value = pad.toDataURL('image/png');
  });
})();

/* The portal page of a MAG box (docs/players.md, "MAG boxes"): it speaks the portal's own
 * load.php protocol, handshake -> get_profile (-> do_auth for a new box) -> get_all_channels,
 * shows the guide of the selected channel, and plays the address create_link hands out:
 * through the box's player (gSTB) when there is one, an HTML5 video element otherwise.
 * ES5 and XMLHttpRequest only: the browsers of older boxes know no more. */
(function () {
  "use strict";

  var root = document.getElementById("portal");
  var api = root.getAttribute("data-api");
  var stb = window.gSTB || null;
  var state = { token: "", channels: [], selected: 0 };

  function $(id) { return document.getElementById(id); }

  function status(text, isError) {
    var el = $("status");
    el.textContent = text;
    el.className = isError ? "error" : "";
  }

  function macAddress() {
    if (stb && stb.GetDeviceMacAddress) {
      return stb.GetDeviceMacAddress();
    }
    var match = /[?&]mac=([^&]+)/.exec(window.location.search);
    var mac = match ? decodeURIComponent(match[1]) : window.localStorage.getItem("portal.mac");
    if (!mac) {
      // A browser without a box: a stable made-up MAC in the MAG range.
      mac = "00:1A:79";
      for (var i = 0; i < 3; i++) {
        mac += ":" + ("0" + Math.floor(Math.random() * 256).toString(16)).slice(-2);
      }
    }
    mac = mac.toUpperCase();
    window.localStorage.setItem("portal.mac", mac);
    return mac;
  }

  function call(type, action, params, done) {
    var query = "type=" + type + "&action=" + action + "&JsHttpRequest=1-xml";
    for (var key in params) {
      if (Object.prototype.hasOwnProperty.call(params, key)) {
        query += "&" + encodeURIComponent(key) + "=" + encodeURIComponent(params[key]);
      }
    }
    var xhr = new XMLHttpRequest();
    xhr.open("GET", api + "?" + query, true);
    if (state.token) {
      xhr.setRequestHeader("Authorization", "Bearer " + state.token);
    }
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) {
        return;
      }
      if (xhr.status === 401) {
        state.token = "";
        status("Not authorised, reconnecting…", true);
        window.setTimeout(start, 3000);
        return;
      }
      var body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch (e) {
        status("The portal did not answer (" + xhr.status + ")", true);
        return;
      }
      done(body.js);
    };
    xhr.send(null);
  }

  function start() {
    var mac = macAddress();
    document.cookie = "mac=" + encodeURIComponent(mac) + "; path=/";
    call("stb", "handshake", { mac: mac }, function (js) {
      state.token = js.token;
      profile();
    });
  }

  function profile() {
    call("stb", "get_profile", { hd: 1 }, function (js) {
      if (js.status === 0) {
        $("login").hidden = true;
        status(js.name);
        channels();
      } else if (js.status === 2) {
        status("Log in");
        $("login").hidden = false;
        $("login-name").focus();
      } else {
        status(js.msg || "The account is blocked", true);
      }
    });
  }

  function login(event) {
    event.preventDefault();
    var params = { login: $("login-name").value, password: $("login-password").value };
    call("stb", "do_auth", params, function (ok) {
      $("login-error").hidden = ok === true;
      if (ok === true) {
        profile();
      }
    });
  }

  function channels() {
    call("itv", "get_all_channels", {}, function (js) {
      state.channels = js.data || [];
      var list = $("channels");
      list.innerHTML = "";
      for (var i = 0; i < state.channels.length; i++) {
        list.appendChild(channelRow(state.channels[i], i));
      }
      $("tv").hidden = false;
      if (state.channels.length) {
        select(0);
      } else {
        status("No channels in your subscription", true);
      }
    });
  }

  function channelRow(channel, index) {
    var li = document.createElement("li");
    li.setAttribute("data-id", channel.id);
    li.tabIndex = 0;
    var number = document.createElement("span");
    number.className = "number";
    number.textContent = channel.number;
    li.appendChild(number);
    if (channel.logo) {
      var img = document.createElement("img");
      img.src = channel.logo;
      img.alt = "";
      li.appendChild(img);
    }
    var name = document.createElement("span");
    name.className = "name";
    name.textContent = channel.name;
    li.appendChild(name);
    li.onclick = function () { select(index); play(index); };
    return li;
  }

  function select(index) {
    var rows = $("channels").children;
    if (!rows.length) {
      return;
    }
    state.selected = (index + rows.length) % rows.length;
    for (var i = 0; i < rows.length; i++) {
      rows[i].className = i === state.selected ? "selected" : "";
    }
    rows[state.selected].scrollIntoView && rows[state.selected].scrollIntoView(false);
    guide(state.channels[state.selected]);
  }

  function guide(channel) {
    $("now-title").textContent = channel.name;
    call("itv", "get_short_epg", { ch_id: channel.id, size: 5 }, function (js) {
      var list = $("guide");
      list.innerHTML = "";
      for (var i = 0; js && i < js.length; i++) {
        var li = document.createElement("li");
        var time = document.createElement("span");
        time.className = "time";
        time.textContent = js[i].t_time;
        li.appendChild(time);
        li.appendChild(document.createTextNode(js[i].name));
        list.appendChild(li);
      }
    });
  }

  function play(index) {
    var channel = state.channels[index];
    call("itv", "create_link", { cmd: channel.cmd }, function (js) {
      if (js.error || !js.cmd) {
        status(js.msg || "This channel cannot be played now", true);
        return;
      }
      status(channel.name);
      if (stb) {
        stb.Play(js.cmd);
        return;
      }
      var video = $("video");
      video.src = js.cmd.replace(/^\S+\s+/, "");  // the address after the player's solution word
      var playing = video.play();
      if (playing && playing.catch) {
        playing.catch(function () { status("The browser cannot play this stream", true); });
      }
    });
  }

  document.onkeydown = function (event) {
    if ($("tv").hidden) {
      return;
    }
    var key = event.keyCode;
    if (key === 38) { select(state.selected - 1); event.preventDefault(); }  // up
    if (key === 40) { select(state.selected + 1); event.preventDefault(); }  // down
    if (key === 13) { play(state.selected); event.preventDefault(); }  // OK
  };

  $("login").onsubmit = login;
  if (stb && stb.InitPlayer) {
    stb.InitPlayer();
  }
  start();
})();

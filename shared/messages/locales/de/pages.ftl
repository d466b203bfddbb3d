# Die Seiten zum vergessenen Passwort (siehe en/pages.ftl).

language-name = Deutsch
language-switch = Sprache

forgot-title = Passwort vergessen
forgot-label = { $edition ->
    [on_premise] Login oder E-Mail-Adresse
   *[cloud] Login, E-Mail-Adresse oder Telefonnummer
}
forgot-login-link = Login vergessen?
forgot-back-to-sign-in = Zurück zur Anmeldung

remind-title = Login vergessen
remind-label = { $edition ->
    [on_premise] E-Mail-Adresse
   *[cloud] E-Mail-Adresse oder Telefonnummer
}
remind-hint = Wir schicken das Login des Kontos mit dieser Adresse dorthin, und wie es sich anmeldet. Geben Sie eine Telefonnummer mit Ländervorwahl an, etwa +49 151 12345678.
remind-submit = Login zusenden
remind-sent-title = { $channel ->
    [sms] Sehen Sie auf Ihr Telefon
   *[email] Sehen Sie in Ihr Postfach
}
remind-sent-text = { $channel ->
    [sms] Wenn ein Konto diese Telefonnummer hat, haben wir ihm eine SMS mit seinem Login geschickt.
   *[email] Wenn ein Konto diese E-Mail-Adresse hat, haben wir ihm eine E-Mail mit seinem Login geschickt, und wie es sich anmeldet.
}
remind-back = Zurück zu „Passwort vergessen“
error-invalid-contact = Geben Sie eine E-Mail-Adresse ein oder eine Telefonnummer mit Ländervorwahl.
forgot-submit = { $edition ->
    [on_premise] Passwort zurücksetzen
   *[cloud] Weiter
}

check-email-title = Sehen Sie in Ihr Postfach
check-email-sent = Wenn ein Konto zu Ihrer Eingabe passt, haben wir ihm eine E-Mail mit einer Anleitung zum Zurücksetzen des Passworts geschickt. Der Link darin läuft bald ab, nutzen Sie ihn also gleich. Nach einer Minute keine E-Mail da? Sehen Sie im Spam-Ordner nach und fragen Sie dann erneut: Eine Minute nach einer E-Mail schicken wir keine weitere, damit Ihr Link gültig bleibt.
check-email-nothing = Nichts angekommen? Sehen Sie im Spam-Ordner nach, oder
check-email-try-again = versuchen Sie es erneut

code-title = Code eingeben
code-sent = Wenn ein Konto die Nummer { $phone } hat, haben wir ihr eine SMS mit einem 6-stelligen Code geschickt. Der Code gilt { $seconds ->
    [one] eine Sekunde
   *[other] { $seconds } Sekunden
}.
code-label = Code
code-submit = Weiter
code-not-received = Code abgelaufen oder nicht erhalten?
code-send-new = Neuen Code senden
code-time-left = Verbleibende Zeit:
code-seconds-unit = s
code-expired = Der Code ist abgelaufen. Lassen Sie sich einen neuen Code senden.

reset-title = { $edition ->
    [on_premise] Passwort ändern
   *[cloud] Neues Passwort eingeben
}
reset-check-string = Prüfzeichenfolge
reset-check-string-hint = Wird automatisch ausgefüllt. Bitte nicht ändern.
reset-login = Login
reset-new-password = Neues Passwort
reset-new-password-hint = Mindestens { $min } Zeichen. Einige Wörter, die nichts miteinander zu tun haben, ergeben ein starkes Passwort.
reset-confirm = Neues Passwort bestätigen
reset-submit = { $edition ->
    [on_premise] Passwort ändern
   *[cloud] Weiter
}

done-title = Passwort geändert
done-text = Ihr Passwort wurde geändert. Melden Sie sich mit dem neuen Passwort an.
done-log-in = Anmelden

support-code = Wenn auch das nicht hilft, wenden Sie sich an den Support:
support-link = Kommen Sie nicht weiter? Wenden Sie sich an den Support:
support-locked = Support:

lock-title = Konto sperren?
lock-text = Das Passwort des Kontos „{ $login }“ wurde geändert. Wenn Sie es nicht waren, sperren Sie das Konto jetzt.
lock-what = Ist es gesperrt, kann sich niemand mehr anmelden oder das Passwort zurücksetzen, und das neue Passwort funktioniert nie wieder. Ihre Administration entsperrt es, und Sie wählen dann ein neues Passwort.
lock-submit = Mein Konto sperren
lock-was-me = Wenn Sie das Passwort selbst geändert haben, schließen Sie diese Seite: Es ändert sich nichts.
locked-title = Ihr Konto ist gesperrt
locked-text = Niemand kann sich jetzt anmelden oder das Passwort zurücksetzen, und das gesetzte Passwort funktioniert nicht mehr.
locked-next = Wie es weitergeht: Ihre Administration prüft, was geschehen ist, und entsperrt das Konto. Sie bekommen dann einen Link, mit dem Sie ein neues Passwort wählen.
lock-invalid = Dieser Link sperrt das Konto nicht mehr: Er ist ungültig, abgelaufen, oder das Passwort wurde seitdem erneut geändert. Wenn noch jemand anderes Ihr Konto benutzt, wenden Sie sich an den Support.

message-new-link = Neuen Link anfordern
title-invalid-token = Dieser Link funktioniert nicht mehr
title-unavailable = Bitte versuchen Sie es erneut
title-rate-limited = Zu viele Anfragen
title-too-many-attempts = Dieser Code funktioniert nicht mehr
title-bad-request = Mit der Anfrage stimmt etwas nicht

error-invalid-token = Dieser Link zum Zurücksetzen ist ungültig, abgelaufen oder wurde schon benutzt. Fordern Sie einen neuen an.
error-unavailable = Der Dienst ist vorübergehend nicht erreichbar. Bitte versuchen Sie es in einer Minute erneut.
error-sms-unavailable = Wir können gerade keine SMS senden. Geben Sie stattdessen Ihren Login oder Ihre E-Mail-Adresse ein, dann senden wir Ihnen einen Link per E-Mail.
error-rate-limited = Zu viele Anfragen. Versuchen Sie es in { $wait } erneut.
error-invalid-code = Dieser Code ist falsch oder abgelaufen. Prüfen Sie ihn oder fordern Sie einen neuen an.
error-too-many-attempts = Zu viele falsche Codes: Dieser Code funktioniert nicht mehr. Bitte fordern Sie einen neuen an.
error-password-mismatch = Das neue Passwort und seine Bestätigung stimmen nicht überein.
error-weak-password = Wählen Sie ein anderes Passwort.
error-bad-request = Prüfen Sie Ihre Eingabe und versuchen Sie es erneut.


error-invalid-login = Prüfen Sie Login, E-Mail-Adresse oder Telefonnummer.
error-invalid-phone = An diese Nummer kann keine SMS gehen. Geben Sie sie mit Ländervorwahl an, etwa +49 151 12345678.
error-missing-field = Füllen Sie alle Felder aus.

policy-too-short = Verwenden Sie mindestens { $min } Zeichen.
policy-too-long = Verwenden Sie höchstens { $max } Zeichen.
policy-matches-login = Verwenden Sie nicht Ihr Login als Passwort.
policy-matches-email = Verwenden Sie nicht Ihre E-Mail-Adresse als Passwort.
policy-common-password = Dieses Passwort ist zu verbreitet; wählen Sie eines, das schwer zu erraten ist.

duration-minutes = { $minutes ->
    [one] einer Minute
   *[other] { $minutes } Minuten
}
duration-seconds = { $seconds ->
    [one] einer Sekunde
   *[other] { $seconds } Sekunden
}
duration-hours = { $hours ->
    [one] einer Stunde
   *[other] { $hours } Stunden
}
duration-days = { $days ->
    [one] einem Tag
   *[other] { $days } Tagen
}

challenge-title = Einen Moment
challenge-intro = Gerade kommen sehr viele Anfragen an. Bevor wir etwas senden, löst Ihr Browser eine kleine Aufgabe: für Menschen billig, für Bots teuer.
challenge-wait = Ohne JavaScript warten Sie { $wait } und klicken dann auf Weiter.
challenge-working = Die Aufgabe wird gelöst …
challenge-done = Fertig. Klicken Sie auf Weiter.
challenge-continue = Weiter

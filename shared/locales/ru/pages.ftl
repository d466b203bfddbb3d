# Страницы восстановления пароля (см. en/pages.ftl).

language-name = Русский
language-switch = Язык

forgot-title = Забыли пароль
forgot-label = { $edition ->
    [on_premise] Логин или email
   *[cloud] Логин, email или телефон
}
forgot-login-link = Забыли логин?

remind-title = Забыли логин
remind-label = { $edition ->
    [on_premise] Адрес электронной почты
   *[cloud] Адрес электронной почты или номер телефона
}
remind-hint = Мы отправим туда логин учётной записи с этим адресом и способ входа. Номер телефона указывайте с кодом страны, например +49 151 12345678.
remind-submit = Прислать логин
remind-sent-title = { $channel ->
    [sms] Проверьте телефон
   *[email] Проверьте почту
}
remind-sent-text = { $channel ->
    [sms] Если у какой-либо учётной записи есть этот номер телефона, мы отправили на него SMS с логином.
   *[email] Если у какой-либо учётной записи есть этот адрес, мы отправили на него письмо с логином и способом входа.
}
remind-back = Назад к «Забыли пароль»
error-invalid-contact = Введите адрес электронной почты или номер телефона с кодом страны.
forgot-submit = { $edition ->
    [on_premise] Сбросить пароль
   *[cloud] Продолжить
}

check-email-title = Проверьте почту
check-email-sent = Если введённые данные подходят к учётной записи, мы отправили на её адрес письмо с инструкцией по сбросу пароля. Ссылка в нём скоро перестанет действовать, поэтому воспользуйтесь ею сейчас. Письма нет уже минуту? Проверьте папку «Спам» и запросите снова: в течение минуты после письма мы не отправляем другое, чтобы ваша ссылка продолжала работать.
check-email-nothing = Ничего не пришло? Проверьте папку «Спам» или
check-email-try-again = попробуйте снова

code-title = Введите код
code-sent = Если номер { $phone } принадлежит учётной записи, мы отправили на него SMS с 6-значным кодом. Код действует { $seconds ->
    [one] { $seconds } секунду
    [few] { $seconds } секунды
   *[other] { $seconds } секунд
}.
code-label = Код
code-submit = Продолжить
code-not-received = Код истёк или не пришёл?
code-send-new = Отправить новый код
code-time-left = Осталось:
code-seconds-unit = с
code-expired = Срок действия кода истёк. Запросите новый код.

reset-title = { $edition ->
    [on_premise] Смена пароля
   *[cloud] Введите новый пароль
}
reset-check-string = Проверочная строка
reset-check-string-hint = Заполняется автоматически. Не изменяйте её.
reset-login = Логин
reset-new-password = Новый пароль
reset-new-password-hint = Не меньше { $min } символов. Несколько не связанных между собой слов дают надёжный пароль.
reset-confirm = Повторите новый пароль
reset-submit = { $edition ->
    [on_premise] Сменить пароль
   *[cloud] Продолжить
}

done-title = Пароль изменён
done-text = Ваш пароль изменён. Войдите с новым паролем.
done-log-in = Войти

support-code = Если и это не поможет, обратитесь в службу поддержки:
support-link = Не получается? Обратитесь в службу поддержки:
support-locked = Служба поддержки:

message-new-link = Запросить новую ссылку
title-invalid-token = Эта ссылка больше не работает
title-unavailable = Попробуйте ещё раз
title-rate-limited = Слишком много запросов
title-too-many-attempts = Этот код больше не работает
title-bad-request = С запросом что-то не так

error-invalid-token = Ссылка для сброса пароля недействительна, истекла или уже использована. Запросите новую.
error-unavailable = Сервис временно недоступен. Попробуйте ещё раз через минуту.
error-rate-limited = Слишком много запросов. Попробуйте снова через { $wait }.
error-invalid-code = Код неверен или истёк. Проверьте его или запросите новый.
error-too-many-attempts = Слишком много неверных кодов: этот код больше не работает. Запросите новый.
error-password-mismatch = Новый пароль и его повтор не совпадают.
error-weak-password = Выберите другой пароль.
error-bad-request = Проверьте введённые данные и попробуйте снова.


error-invalid-login = Проверьте логин, адрес email или номер телефона.
error-invalid-phone = На этот номер нельзя отправить SMS. Укажите его с кодом страны, например +7 912 345-67-89.
error-missing-field = Заполните все поля.

policy-too-short = Используйте не меньше { $min } символов.
policy-too-long = Используйте не больше { $max } символов.
policy-matches-login = Не используйте логин в качестве пароля.
policy-matches-email = Не используйте адрес email в качестве пароля.
policy-common-password = Этот пароль слишком распространён; выберите такой, который трудно угадать.

duration-minutes = { $minutes ->
    [one] { $minutes } минуту
    [few] { $minutes } минуты
   *[other] { $minutes } минут
}
duration-seconds = { $seconds ->
    [one] { $seconds } секунду
    [few] { $seconds } секунды
   *[other] { $seconds } секунд
}
duration-hours = { $hours ->
    [one] { $hours } час
    [few] { $hours } часа
   *[other] { $hours } часов
}
duration-days = { $days ->
    [one] { $days } день
    [few] { $days } дня
   *[other] { $days } дней
}

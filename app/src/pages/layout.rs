//! The frame of every logged-in page: brand, navigation, who is logged in, and logout.

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

use crate::{
    api::{whoami, Logout},
    components::HydrationMarker,
    policy::Action,
};

#[component]
pub fn Layout() -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    let me = Resource::new(|| (), |_| whoami());
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                "Ferry"
            </a>
            <nav aria-label="Main">
                <Suspense>
                    {move || Suspend::new(async move {
                        let info = me.await.ok();
                        let may = |a: Action| info.as_ref().is_some_and(|i| i.allows(a));
                        let admin = may(Action::ListAllInstances);
                        let manager = may(Action::ListProjectInstances);
                        let history = may(Action::ListAllMigrations);
                        let hosts = may(Action::ListComputeHosts);
                        view! {
                            {admin.then(|| view! { <A href="/admin/instances">"All instances"</A> })}
                            {history.then(|| view! { <A href="/admin/migrations">"Migrations"</A> })}
                            {hosts.then(|| view! { <A href="/admin/hosts">"Compute hosts"</A> })}
                            {manager.then(|| view! { <A href="/project/instances">"Project instances"</A> })}
                        }
                    })}
                </Suspense>
            </nav>
            <div class="who">
                <Suspense>
                    {move || Suspend::new(async move {
                        me.await
                            .ok()
                            .map(|info| {
                                view! {
                                    <span class="user" title=info.roles.join(", ")>
                                        {info.user.clone()}
                                        " · "
                                        {info.project.clone()}
                                    </span>
                                    <ActionForm action=logout>
                                        <button type="submit" class="link">
                                            "Log out"
                                        </button>
                                    </ActionForm>
                                }
                            })
                    })}
                </Suspense>
            </div>
        </header>
        <main class="page">
            <Outlet />
        </main>
        <HydrationMarker />
    }
}
